// Clients that hang up mid-review, thousands of them: afterwards the process
// gives the memory back instead of keeping the burst's high-water mark (before:
// 20,000 hang-ups left resident memory 140 MB up, for good). Judged by the share
// of the burst's growth given back, not by a margin over idle: idle is read
// after start-up's garbage is gone, and what stays after the burst (then - idle:
// 21-40 MiB in 5 runs) is C heap that glibc keeps whatever V8 gives back (after
// a wrk load, smaps shows the main thread's growing from 7 to ~90 MiB and staying):
// a fixed margin of 32 MiB over idle was a coin toss.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { startKadmit, memoryOf, runPool, hangUp, MiB } from './support.ts';
import { fixtureWebhook } from '../helpers/server.ts';

const body = readFileSync(new URL('../fixtures/pod-create-5k.json', import.meta.url));

t.test('5,000 client hang-ups: resident memory returns near idle', async (t) => {
  const k = await startKadmit(t.testdir({}), ['--webhook', fixtureWebhook('misbehaving')]);
  t.teardown(() => k.child.kill('SIGKILL'));
  await runPool(300, 50, (i) => hangUp(k.webhookPort, k.ca, '/sleep?timeout=10s', body, 5 + (i % 25)));
  await new Promise((r) => setTimeout(r, 4_000));
  const idle = memoryOf(k.pid).rss;
  await runPool(5_000, 100, (i) => hangUp(k.webhookPort, k.ca, '/sleep?timeout=10s', body, 5 + (i % 25)));
  const right = memoryOf(k.pid).rss;
  // Most of the growth given back (keeping the high-water mark gives back next to none).
  const givenBack = (now: number) => (right - now) / Math.max(right - idle, 1);
  let now = right;
  for (const until = Date.now() + 12_000; Date.now() < until && givenBack(now) < 2 / 3; ) {
    await new Promise((r) => setTimeout(r, 500));
    now = memoryOf(k.pid).rss;
  }
  t.ok(right - idle > 32 * MiB, `the burst grew resident memory (idle ${Math.round(idle / MiB)} MiB, right after ${Math.round(right / MiB)} MiB)`);
  t.ok(givenBack(now) >= 2 / 3, `idle ${Math.round(idle / MiB)} MiB, right after ${Math.round(right / MiB)} MiB, then ${Math.round(now / MiB)} MiB: ${Math.round(givenBack(now) * 100)}% of the growth given back`);
});
