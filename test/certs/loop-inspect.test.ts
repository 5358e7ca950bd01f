import t from 'tap';
import { caEntry, encodeCaState } from '../../src/certs/ca-state.ts';
import { inspectDocument } from '../../src/certs/inspect.ts';
import { issueCa, issueServing } from '../../src/certs/issue.ts';
import { createLoop } from '../../src/certs/loop.ts';
import { HOST } from './support.ts';

t.test('loop: one run at a time, a trigger during a run queues one more, stop ends it', async (t) => {
  let runs = 0;
  let active = 0;
  let maxActive = 0;
  let release!: () => void;
  const gate = () => new Promise<void>((r) => (release = r));
  let wait = gate();
  const loop = createLoop({
    run: async () => {
      runs++;
      active++;
      maxActive = Math.max(maxActive, active);
      await wait;
      active--;
    },
    nextDelay: () => 60_000,
  });
  const first = loop.runNow();
  loop.trigger();
  loop.trigger();
  loop.trigger();
  release();
  await first;
  wait = Promise.resolve();
  await new Promise((r) => setTimeout(r, 20));
  t.equal(runs, 2, 'three triggers during a run: one more run');
  t.equal(maxActive, 1, 'never concurrent');
  await loop.stop();
  loop.trigger();
  await new Promise((r) => setTimeout(r, 20));
  t.equal(runs, 2, 'nothing runs after stop');
});

t.test('loop: runNow reports the error, nextDelay sees it', async (t) => {
  const seen: unknown[] = [];
  const loop = createLoop({
    run: async () => {
      throw new Error('boom');
    },
    nextDelay: (err) => {
      seen.push(err);
      return 60_000;
    },
  });
  await t.rejects(loop.runNow(), /boom/);
  t.match(seen, [{ message: 'boom' }]);
  await loop.stop();
});

t.test('inspect: roles, names, validity, where each CA is published', async (t) => {
  const now = new Date();
  const [a, b] = await Promise.all([issueCa({ lifetimeMs: 3_600_000, backdateMs: 0, now }), issueCa({ lifetimeMs: 3_600_000, backdateMs: 0, now })]);
  const leaf = await issueServing({ ca: a, dnsNames: [HOST], lifetimeMs: 60_000, backdateMs: 0, now });
  const data = { ...encodeCaState({ current: caEntry(a), next: caEntry(b), retired: [], dropped: [] }), 'tls.crt': leaf.cert };
  const inv = inspectDocument(data, { now, fields: [{ id: 'validating/x', bundle: a.cert }] });
  t.same(inv.problems, []);
  t.same(inv.entries.map((e) => e.role), ['ca', 'next-ca', 'serving']);
  t.same(inv.entries[0]!.publishedIn, ['validating/x']);
  t.same(inv.entries[1]!.publishedIn, [], 'the next CA is not published yet');
  t.match(inv.entries[2]!.subjectAltName, /DNS:kadmit\.kadmit\.svc/);
  t.equal(inv.entries[2]!.notAfter, leaf.notAfter.toISOString());
});
