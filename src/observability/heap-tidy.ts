// Gives a thread's heap back to the system after a burst. Under load V8 grows
// the young generation to its maximum (64 MB of semi-spaces on the main thread)
// and promotes short-lived request objects; an idle process then runs no
// collection at all, so resident memory stays at the burst's high-water mark
// (measured: +140 MB after 20,000 client hang-ups, still there minutes later).
// Once the thread is idle and its heap has grown, one memory-reducing collection
// shrinks both and returns the pages. Start-up is such a burst too (compiling
// modules, building schemas): a thread that opts in tidies once when first idle.
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

/**
 * V8's collector, without starting Node with --expose-gc: the flag is turned on
 * just long enough to create one context that has `gc`, then off again. Where a
 * runtime does not allow it, there is no tidying (undefined).
 */
function findCollector(): Collect | undefined {
  const global = (globalThis as { gc?: unknown }).gc;
  if (typeof global === 'function') return global as Collect;
  // Flags are per process: a worker turning it off at the same moment can leave a
  // context without `gc`, so a few tries.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('typeof gc === "function" ? gc : undefined') as unknown;
      if (typeof gc === 'function') return gc as Collect;
    } catch {
      return undefined;
    } finally {
      setFlagsFromString('--no-expose-gc');
    }
  }
  return undefined;
}

export interface HeapTidyOptions {
  /** True while the thread is quiet enough for a pause of tens of milliseconds. */
  idle(): boolean;
  /** Growth of the heap's committed size since the last tidy that is worth one. */
  growthBytes?: number;
  intervalMs?: number;
  heapSize?: () => number;
  collect?: Collect;
  /**
   * Also tidy at the first idle check, whatever the growth: the heap was grown
   * before the baseline was taken (measured on the main thread: 56 MB committed,
   * 27 MB live; RSS -16 MiB).
   */
  afterStartUp?: boolean;
  /** Told after each tidy, with the heap's committed size before and after. */
  tidied?(before: number, after: number): void;
}

export interface HeapTidy {
  /** Tidies now if the heap has grown (the timer calls this while idle). */
  check(): void;
  stop(): void;
}

export function startHeapTidy(options: HeapTidyOptions): HeapTidy {
  const growth = options.growthBytes ?? 24 * 1024 * 1024;
  const heapSize = options.heapSize ?? (() => getHeapStatistics().total_heap_size);
  const collect = options.collect ?? findCollector();
  let baseline = heapSize();
  let startUp = options.afterStartUp === true;
  const check = () => {
    const before = heapSize();
    // The baseline follows the heap down, so growth is measured from the smallest size seen.
    if (before < baseline) baseline = before;
    if (collect === undefined || (!startUp && before - baseline < growth) || !options.idle()) return;
    startUp = false;
    collect({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    baseline = heapSize();
    options.tidied?.(before, baseline);
  };
  const timer = setInterval(check, options.intervalMs ?? 1_000);
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}
