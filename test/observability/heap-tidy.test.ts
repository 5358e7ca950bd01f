// When a thread gives its heap back, over a pretend heap and collector.
import t from 'tap';
import { startHeapTidy, type HeapTidyOptions } from '../../src/observability/heap-tidy.ts';

const MiB = 1024 * 1024;

/** A tidy over a pretend heap: `heap` is its committed size, a collection shrinks it to `after`. */
function tidyOver(start: number, after: number, options: Partial<HeapTidyOptions> = {}) {
  const state = { heap: start, idle: false, collected: [] as number[] };
  const tidy = startHeapTidy({
    idle: () => state.idle,
    heapSize: () => state.heap,
    collect: () => {
      state.collected.push(state.heap);
      state.heap = after;
    },
    growthBytes: 24 * MiB,
    intervalMs: 3_600_000,
    ...options,
  });
  return { state, tidy };
}

t.test('the heap is tidied once it has grown and the thread is idle', async (t) => {
  const { state, tidy } = tidyOver(50 * MiB, 40 * MiB);
  t.teardown(() => tidy.stop());
  state.heap = 70 * MiB;
  state.idle = true;
  tidy.check();
  t.same(state.collected, [], 'grown by 20 MiB: not worth it');
  state.heap = 80 * MiB;
  state.idle = false;
  tidy.check();
  t.same(state.collected, [], 'busy');
  state.idle = true;
  tidy.check();
  t.same(state.collected, [80 * MiB], 'grown by 30 MiB and idle');
  state.heap = 60 * MiB;
  tidy.check();
  t.same(state.collected, [80 * MiB], 'measured from the heap after the last tidy');
});

t.test('afterStartUp: the first idle check tidies whatever the growth, later ones only after growth', async (t) => {
  const { state, tidy } = tidyOver(56 * MiB, 22 * MiB, { afterStartUp: true });
  t.teardown(() => tidy.stop());
  tidy.check();
  t.same(state.collected, [], 'not while busy');
  state.idle = true;
  tidy.check();
  t.same(state.collected, [56 * MiB], 'start-up garbage, once idle');
  state.heap = 40 * MiB;
  tidy.check();
  t.same(state.collected, [56 * MiB], 'grown by 18 MiB since: not worth it');
  state.heap = 50 * MiB;
  tidy.check();
  t.same(state.collected, [56 * MiB, 50 * MiB], 'grown by 28 MiB');
});

t.test('without afterStartUp the first check waits for growth', async (t) => {
  const { state, tidy } = tidyOver(56 * MiB, 22 * MiB);
  t.teardown(() => tidy.stop());
  state.idle = true;
  tidy.check();
  t.same(state.collected, []);
});
