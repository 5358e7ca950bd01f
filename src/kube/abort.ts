// Signals for outgoing API calls: the caller's signal(s) plus an optional time
// limit, linked by hand so every listener and timer is removed when the call
// ends (AbortSignal.any/timeout leave that to GC).

export interface LinkedSignal {
  readonly signal: AbortSignal;
  // True when the time limit (not a parent) aborted the signal.
  readonly timedOut: boolean;
  dispose(): void;
}

export function linkSignals(parents: ReadonlyArray<AbortSignal | undefined>, timeoutMs?: number, timeoutReason?: () => unknown): LinkedSignal {
  const controller = new AbortController();
  const cleanups: Array<() => void> = [];
  let timedOut = false;
  const dispose = (): void => {
    for (const c of cleanups.splice(0)) c();
  };
  for (const p of parents) {
    if (!p) continue;
    if (p.aborted) {
      controller.abort(p.reason);
      break;
    }
    const onAbort = (): void => {
      controller.abort(p.reason);
      dispose();
    };
    p.addEventListener('abort', onAbort, { once: true });
    cleanups.push(() => p.removeEventListener('abort', onAbort));
  }
  if (!controller.signal.aborted && timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
    // Longer than setTimeout's 2^31-1 ms would fire at once; clamp.
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(timeoutReason ? timeoutReason() : new DOMException('The operation timed out', 'TimeoutError'));
      dispose();
    }, Math.min(Math.max(0, timeoutMs), 2_147_483_647));
    timer.unref();
    cleanups.push(() => clearTimeout(timer));
  }
  if (controller.signal.aborted) dispose();
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    dispose,
  };
}

// Resolve after `ms`, or reject with the signal's reason as soon as it aborts.
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.min(Math.max(0, ms), 2_147_483_647));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
