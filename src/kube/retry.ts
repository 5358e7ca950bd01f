// Retry with bounded, jittered exponential backoff for API outages. Bounded by
// attempts and by total time; abortable while waiting; honours Retry-After.
import { sleep } from './abort.ts';
import { KubeApiError } from './errors.ts';

export interface BackoffOptions {
  baseDelayMs?: number; // first delay ceiling (default 200 ms)
  maxDelayMs?: number; // delay ceiling (default 10 s)
  random?: () => number; // [0,1), injectable for tests
}

export interface RetryOptions extends BackoffOptions {
  signal?: AbortSignal;
  maxAttempts?: number; // default 5; Infinity allowed with maxElapsedMs
  maxElapsedMs?: number; // stop retrying once this much time has passed
  retryable?: (err: unknown) => boolean; // default: KubeApiError.retryable
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

// "Full jitter": uniform in [0, min(max, base * 2^attempt)], so replicas that
// failed together do not retry together.
export function backoffDelay(attempt: number, opts: BackoffOptions = {}): number {
  const base = opts.baseDelayMs ?? 200;
  const max = opts.maxDelayMs ?? 10_000;
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 30));
  return Math.floor((opts.random ?? Math.random)() * ceiling);
}

export function isRetryable(err: unknown): boolean {
  return err instanceof KubeApiError && err.retryable;
}

// Call `fn(attempt)` until it succeeds, fails with a non-retryable error, or
// the attempts/time budget is spent (then the last error is thrown). Aborting
// `signal` rejects at once with its reason.
export async function retry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const maxAttempts = opts.maxAttempts ?? 5;
  const retryable = opts.retryable ?? isRetryable;
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    opts.signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (err) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      if (!retryable(err) || attempt + 1 >= maxAttempts) throw err;
      let delay = backoffDelay(attempt, opts);
      const after = err instanceof KubeApiError ? err.retryAfterMs : undefined;
      if (after !== undefined) delay = Math.max(delay, Math.min(after, opts.maxDelayMs ?? 10_000));
      if (opts.maxElapsedMs !== undefined && Date.now() - started + delay > opts.maxElapsedMs) throw err;
      opts.onRetry?.(err, attempt + 1, delay);
      await sleep(delay, opts.signal);
    }
  }
}
