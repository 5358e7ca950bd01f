// Clients that hang up mid-review, thousands of them: afterwards the process
// gives the memory back instead of keeping the burst's high-water mark (before:
// 20,000 hang-ups left resident memory 140 MB up, for good).
import t from 'tap';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { startKadmit, memoryOf, runPool, MiB, type Kadmit } from './support.ts';
import { fixtureWebhook } from '../helpers/server.ts';

const body = readFileSync(new URL('../fixtures/pod-create-5k.json', import.meta.url));

function hangUp(k: Kadmit, afterMs: number): Promise<void> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: k.webhookPort, path: '/sleep?timeout=10s', method: 'POST', ca: k.ca, servername: 'kadmit.kadmit.svc', agent: false, headers: { 'content-type': 'application/json' } });
    req.on('error', () => resolve());
    req.end(body);
    setTimeout(() => {
      req.destroy();
      resolve();
    }, afterMs);
  });
}

t.test('5,000 client hang-ups: resident memory returns near idle', async (t) => {
  const k = await startKadmit(t.testdir({}), ['--webhook', fixtureWebhook('misbehaving')]);
  t.teardown(() => k.child.kill('SIGKILL'));
  await runPool(300, 50, (i) => hangUp(k, 5 + (i % 25)));
  await new Promise((r) => setTimeout(r, 4_000));
  const idle = memoryOf(k.pid).rss;
  await runPool(5_000, 100, (i) => hangUp(k, 5 + (i % 25)));
  const right = memoryOf(k.pid).rss;
  let now = right;
  for (const until = Date.now() + 12_000; Date.now() < until && now - idle >= 32 * MiB; ) {
    await new Promise((r) => setTimeout(r, 500));
    now = memoryOf(k.pid).rss;
  }
  t.ok(now - idle < 32 * MiB, `idle ${Math.round(idle / MiB)} MiB, right after ${Math.round(right / MiB)} MiB, then ${Math.round(now / MiB)} MiB`);
});
