// Latency statistics over one webhook's samples: nearest-rank percentiles (an
// observed value, never an interpolation) and throughput over the wall time.

export interface LatencyStats {
  count: number;
  reqPerSec: number;
  minMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

/** Nearest-rank percentile of ascending samples; 0 for none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

const round = (n: number) => Number(n.toFixed(4));

export function latencyStats(samplesMs: readonly number[], elapsedMs: number): LatencyStats {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const sum = sorted.reduce((n, v) => n + v, 0);
  return {
    count: sorted.length,
    reqPerSec: elapsedMs > 0 ? Number(((sorted.length * 1000) / elapsedMs).toFixed(1)) : 0,
    minMs: round(sorted[0] ?? 0),
    p50Ms: round(percentile(sorted, 50)),
    p95Ms: round(percentile(sorted, 95)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted[sorted.length - 1] ?? 0),
    meanMs: round(sorted.length > 0 ? sum / sorted.length : 0),
  };
}
