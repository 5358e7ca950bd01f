import t from 'tap';
import { startHeapTidy } from '../../src/observability/heap-tidy.ts';

const MiB = 1024 * 1024;

t.test('afterStartUp: the first idle check tidies whatever the growth, later ones only after growth', async (t) => {
  let heap = 56 * MiB;
  let idle = false;
  const collected: number[] = [];
  const tidy = startHeapTidy({ idle: () => idle, heapSize: () => heap, collect: () => { collected.push(heap); heap = 22 * MiB; }, growthBytes: 24 * MiB, intervalMs: 3_600_000, afterStartUp: true });
  t.teardown(() => tidy.stop());
  tidy.check();
  t.same(collected, [], 'not while busy');
  idle = true;
  tidy.check();
  t.same(collected, [56 * MiB], 'start-up garbage, once idle');
  heap = 40 * MiB;
  tidy.check();
  t.same(collected, [56 * MiB], 'grown by 18 MiB since: not worth it');
  heap = 50 * MiB;
  tidy.check();
  t.same(collected, [56 * MiB, 50 * MiB], 'grown by 28 MiB');
});

t.test('without afterStartUp the first check waits for growth', async (t) => {
  const collected: number[] = [];
  const tidy = startHeapTidy({ idle: () => true, heapSize: () => 56 * MiB, collect: () => collected.push(1), intervalMs: 3_600_000 });
  t.teardown(() => tidy.stop());
  tidy.check();
  t.same(collected, []);
});
