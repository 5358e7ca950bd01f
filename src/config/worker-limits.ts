// A review worker's V8 limits, from --worker-heap-mb. A module of its own, free of
// zod, so that `kadmit serve` can start its first worker before it reads the rest
// of its configuration (serve-command.ts).
import type { ResourceLimits } from 'node:worker_threads';

/** --worker-heap-mb when none is given. */
export const DEFAULT_WORKER_HEAP_MB = 256;

/** Young generation of a review worker: short-lived parse garbage, no need for V8's 64 MB default. */
const WORKER_YOUNG_GENERATION_MB = 32;

/** A worker's limits for an old-generation cap of `heapMb`; 0: no limits. */
export function workerResourceLimits(heapMb: number): ResourceLimits | undefined {
  return heapMb > 0 ? { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } : undefined;
}
