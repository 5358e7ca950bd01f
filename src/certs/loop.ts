// A serialized, self-rescheduling task: one run at a time; a trigger during a
// run queues exactly one more; after each run the next wake-up is asked for
// (callers keep it short: the clock is re-checked on every run instead of
// trusting one long timer). Timers are unref'd: the server keeps the process.

export interface LoopOptions {
  run: () => Promise<void>;
  /** Delay before the next run, given how the last one ended. */
  nextDelay: (error: unknown) => number;
  onError?: (error: unknown) => void;
}

export interface Loop {
  /** Run after `delayMs` (default now), unless something runs sooner. */
  trigger(delayMs?: number): void;
  /** Waits for a run in progress, then runs once more; rejects with its error. */
  runNow(): Promise<void>;
  stop(): Promise<void>;
}

export function createLoop(opts: LoopOptions): Loop {
  let timer: NodeJS.Timeout | undefined;
  let dueAt = Infinity;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  function schedule(delayMs: number): void {
    if (stopped) return;
    const at = Date.now() + delayMs;
    if (timer && at >= dueAt) return; // something sooner is already planned
    if (timer) clearTimeout(timer);
    dueAt = at;
    timer = setTimeout(fire, Math.max(0, delayMs));
    timer.unref();
  }

  function fire(): void {
    timer = undefined;
    dueAt = Infinity;
    if (running) {
      again = true;
      return;
    }
    void execute().catch(() => {});
  }

  function execute(): Promise<void> {
    const p = opts.run();
    running = p.then(
      () => undefined,
      () => undefined,
    );
    return p.then(
      () => finish(undefined),
      (err: unknown) => {
        opts.onError?.(err);
        finish(err);
        throw err;
      },
    );
  }

  function finish(error: unknown): void {
    running = undefined;
    const rerun = again;
    again = false;
    schedule(rerun ? 0 : opts.nextDelay(error));
  }

  return {
    trigger(delayMs = 0) {
      if (running) again = again || delayMs === 0;
      schedule(delayMs);
    },
    async runNow() {
      while (running) await running;
      if (timer) clearTimeout(timer);
      timer = undefined;
      dueAt = Infinity;
      await execute();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      while (running) await running;
    },
  };
}
