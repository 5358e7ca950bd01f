// Bodies under the size limit but shaped to hurt, against `kadmit serve` with its
// defaults: 7 each of ~7.5 MB of `[{},{},...]`, of deep arrays and of an object
// with hundreds of thousands of keys, 10 at a time. Each is answered within
// 15 s, resident memory peaks under 512 MiB (the Deployment's limit), and 20 s
// later it is within 96 MiB of idle. (Before the bodies were scanned as they
// arrive: answers after up to 8.2 s, a 3 GB peak, +2.4 GB 20 s later.)
import t from 'tap';
import { startKadmit, memoryOf, post, reviewAround, HOSTILE_SHAPES, runPool, MiB } from './support.ts';

t.test('21 hostile bodies, 10 at a time', async (t) => {
  const k = await startKadmit(t.testdir({}));
  t.teardown(() => k.child.kill('SIGKILL'));
  const path = '/validate/pod-security?timeout=10s';
  for (let i = 0; i < 10; i++) await post(k.webhookPort, k.ca, path, reviewAround(`warm-${i}`, '{}'));
  await new Promise((r) => setTimeout(r, 1_000));
  const idle = memoryOf(k.pid).rss;
  const shapes = Object.keys(HOSTILE_SHAPES);
  const junk = shapes.map((s) => HOSTILE_SHAPES[s]!(7_500_000));
  const answers = await runPool(21, 10, async (i) => {
    const started = performance.now();
    const answer = await post(k.webhookPort, k.ca, path, reviewAround(`hostile-${i}`, junk[i % 3]!));
    return { shape: shapes[i % 3], ms: performance.now() - started, status: answer.status, body: answer.body };
  });
  const peak = memoryOf(k.pid).peak;
  for (const a of answers) {
    const response = a.status === 200 ? JSON.parse(a.body).response : undefined;
    t.ok(a.ms < 15_000 && response?.allowed === false && response.status.code === 422, `${a.shape}: denied with 422 after ${Math.round(a.ms)} ms`);
  }
  t.match(JSON.parse(answers[0]!.body).response.status.message, /too large to review: the request body has an array with more than 200000 entries/);
  t.ok(peak < 512 * MiB, `peak resident memory ${Math.round(peak / MiB)} MiB (idle ${Math.round(idle / MiB)} MiB)`);
  await new Promise((r) => setTimeout(r, 20_000));
  const later = memoryOf(k.pid).rss;
  t.ok(later - idle < 96 * MiB, `20 s later ${Math.round(later / MiB)} MiB, ${Math.round((later - idle) / MiB)} MiB above idle`);
});
