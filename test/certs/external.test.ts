import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { writeFileSetAtomically } from '../../src/certs/atomic-dir.ts';
import { createExternalCertificates } from '../../src/certs/external.ts';
import { issueCa, issueServing } from '../../src/certs/issue.ts';
import type { ServingMaterial } from '../../src/certs/types.ts';
import { CountingMetrics, RecordingSink } from './fakes.ts';
import { HOST, silentLogger } from './support.ts';

const ca = await issueCa({ lifetimeMs: 3_600_000, backdateMs: 60_000 });
const pair = () => issueServing({ ca, dnsNames: [HOST], lifetimeMs: 600_000, backdateMs: 60_000 });
const [p1, p2, p3] = await Promise.all([pair(), pair(), pair()]);

// A Secret volume: files behind a ..data symlink swapped atomically.
const publish = (dir: string, p: { cert: string; key: string }) =>
  writeFileSetAtomically(dir, [
    { name: 'tls.crt', data: p.cert, mode: 0o644 },
    { name: 'tls.key', data: p.key, mode: 0o600 },
    { name: 'ca.crt', data: ca.cert, mode: 0o644 },
  ]);

function setup(dir: string, extra: { hosts?: string[]; pollIntervalMs?: number } = {}) {
  const sink = new RecordingSink();
  const metrics = new CountingMetrics();
  const ext = createExternalCertificates({
    certPath: join(dir, 'tls.crt'),
    keyPath: join(dir, 'tls.key'),
    caPath: join(dir, 'ca.crt'),
    hosts: extra.hosts ?? [HOST],
    pollIntervalMs: extra.pollIntervalMs ?? 60_000,
    sink,
    log: silentLogger(),
    metrics,
  });
  return { sink, metrics, ext };
}

const nextUpdate = (sink: RecordingSink) =>
  new Promise<ServingMaterial>((resolve) => {
    sink.onUpdate = (m) => {
      sink.onUpdate = undefined;
      resolve(m);
    };
  });

t.test('loads the pair, then follows a Secret-volume style update through file events', async (t) => {
  const dir = t.testdir({});
  await publish(dir, p1);
  const { sink, ext } = setup(dir);
  // The watcher and timers do not hold the process open (a server would).
  const keepAlive = setInterval(() => {}, 1000);
  t.teardown(() => {
    clearInterval(keepAlive);
    return ext.stop();
  });
  ext.start();
  const first = await ext.ready();
  t.equal(first.cert, p1.cert);
  t.equal(first.ca, ca.cert);
  const updated = nextUpdate(sink);
  await publish(dir, p2);
  t.equal((await updated).cert, p2.cert, 'reloaded without waiting for the periodic check (60 s)');
  t.equal(ext.status().reloads, 2);
});

t.test('keeps the last good pair when a read fails or a pair is half written', async (t) => {
  const dir = t.testdir({});
  await publish(dir, p1);
  const { sink, metrics, ext } = setup(dir);
  t.ok(await ext.reload(), 'initial load');
  await writeFile(join(dir, 'tls.crt'), p2.cert); // the key still belongs to p1
  t.notOk(await ext.reload(), 'mismatched pair refused');
  t.match(ext.status().lastError?.message, /does not match/);
  await writeFile(join(dir, 'tls.crt'), 'garbage');
  t.notOk(await ext.reload(), 'garbage refused');
  await writeFile(join(dir, 'tls.key'), p3.key);
  await writeFile(join(dir, 'tls.crt'), p3.cert);
  await writeFile(join(dir, 'ca.crt'), '');
  t.ok(await ext.reload(), 'a complete new pair is taken');
  t.same(sink.updates.map((m) => m.cert), [p1.cert, p3.cert], 'only good pairs ever reached the server');
  t.equal(metrics.errors.get('load-external'), 2);
  t.equal(metrics.rotations.serving, 2);
  t.notOk(await ext.reload(), 'unchanged files: nothing to do');
});

t.test('a pair without the service name is refused', async (t) => {
  const dir = t.testdir({});
  await publish(dir, p1);
  const { ext } = setup(dir, { hosts: ['other.kadmit.svc'] });
  t.notOk(await ext.reload());
  t.equal(ext.material(), undefined);
  t.match(ext.status().lastError?.message, /not valid for other\.kadmit\.svc/);
});

t.test('missing files at start: ready() waits, stop() settles it', async (t) => {
  const dir = t.testdir({});
  const { ext } = setup(dir, { pollIntervalMs: 50 });
  ext.start();
  t.notOk(await ext.reload());
  await ext.stop();
  await t.rejects(ext.ready(), { code: 'KADMIT_CERT_STOPPED' });
});
