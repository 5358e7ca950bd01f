// Exponential backoff with jitter for retrying API or disk outages: spreads
// replicas apart and caps the wait so recovery is noticed quickly.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** 0..1 share of the delay that is randomised (default 0.2). */
  jitter?: number;
  random?: () => number;
}

export function backoffDelay(failures: number, opts: BackoffOptions): number {
  const base = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.max(0, failures - 1));
  const jitter = opts.jitter ?? 0.2;
  const r = (opts.random ?? Math.random)();
  return Math.max(0, Math.round(base * (1 - jitter + 2 * jitter * r)));
}
