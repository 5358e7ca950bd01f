// Event-loop delay of the calling thread, as quantiles since the last reading:
// how late a 10 ms timer ran. The same code reads the main thread's and, on
// request, each review worker's own.
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface LoopDelay {
  /** Seconds, by quantile ('1' is the longest). */
  quantiles: Record<'0.5' | '0.9' | '0.99' | '1', number>;
}

type DelayHistogram = ReturnType<typeof monitorEventLoopDelay>;

const RESOLUTION_MS = 10;
const NS_PER_S = 1e9;

/** Starts sampling this thread's loop; each call of the returned function reads and resets. */
export function watchLoopDelay(): () => LoopDelay | undefined {
  const histogram: DelayHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  return () => {
    if (histogram.count === 0) return undefined;
    const at = (p: number) => histogram.percentile(p) / NS_PER_S;
    const delay: LoopDelay = { quantiles: { '0.5': at(50), '0.9': at(90), '0.99': at(99), '1': histogram.max / NS_PER_S } };
    histogram.reset();
    return delay;
  };
}
