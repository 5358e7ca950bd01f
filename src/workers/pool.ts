// A pool of review workers with a watchdog. Handlers run off the main thread, so
// a handler that never yields (`while (true) {}`, a pathological regex) stalls
// only its worker: the main thread still answers that review by its deadline,
// stops sending work to the stalled worker, takes back the reviews queued behind
// it, and replaces it once a review it started is past its deadline. A warm
// stand-in worker takes a blocked worker's place at once, so capacity does not
// wait for the deadline and a new worker's start-up.
import type { ResourceLimits } from 'node:worker_threads';
import type { Logger } from 'pino';
import { KadmitError } from '../errors.ts';
import type { Webhook } from '../model/webhook.ts';
import type { ReviewOutcome } from '../model/outcome.ts';
import type { ExecutionContext } from '../admission/reviewer.ts';
import { abortKindOf } from '../admission/abort.ts';
import { HEARTBEAT_INTERVAL_MS, type FromWorker, type WorkerSetup } from './protocol.ts';
import { WorkerSlot, createThread, type CreateWorker, type Job } from './worker-slot.ts';
import { WaitingLine, pickWorker } from './scheduler.ts';
import { watchdogTick, type WatchdogHost, type WatchdogTimes } from './watchdog.ts';
import { workerThread, type DiagnosableThread, type InspectableWorker } from '../observability/threads.ts';
import { activeTracing } from '../observability/tracing/active.ts';
import { createLogRelay } from './log-relay.ts';

export interface PoolOptions {
  size: number;
  setup: Omit<WorkerSetup, 'shared'>;
  /** The webhooks in the order the workers load them. */
  webhooks: readonly Webhook[];
  log: Logger;
  /** A worker whose heartbeat has not moved for this long gets no new work. */
  stallAfterMs?: number;
  /**
   * A worker is replaced only when its heartbeat has not moved for this long and a
   * review it started is past its deadline: a busy worker (a burst of messages, a
   * GC pause) is not mistaken for a blocked one.
   */
  replaceAfterMs?: number;
  events?: PoolEvents;
  /**
   * Body bytes one worker holds at once (one larger body still runs alone): the
   * bodies a worker parses at the same time, and so its heap, stay bounded.
   */
  bodyBudgetBytes?: number;
  /** V8 heap limits per worker: a worker that passes them ends, failing only the reviews it had started. */
  resourceLimits?: ResourceLimits;
  /** Makes the threads; tests pass stand-ins. */
  createWorker?: CreateWorker;
}

export interface PoolEvents {
  workerReplaced?(reason: 'stalled' | 'exited'): void;
  reviewReclaimed?(): void;
}

export interface PoolStats {
  size: number;
  ready: number;
  stalled: number;
  inFlight: number;
  replaced: number;
  /** A warm worker waits to take a blocked one's place at once. */
  standInReady: boolean;
}

const WATCHDOG_INTERVAL_MS = 20;
const MB = 1024 * 1024;
const DEFAULT_BODY_BUDGET = 8 * MB;
/** A worker that dies before it is ready is started again after 1 s, 2 s, 4 s ... up to 30 s: no respawn storm. */
const BOOT_RETRY_MS = 1_000;
const BOOT_RETRY_MAX_MS = 30_000;

export class WorkerPool {
  readonly #options: PoolOptions;
  readonly #times: WatchdogTimes;
  readonly #bodyBudget: number;
  readonly #relay: ReturnType<typeof createLogRelay>;
  readonly #webhookIndex = new Map<string, number>();
  /** What each worker must announce it loaded: reviews go by index into this list. */
  readonly #webhookNames: readonly string[];
  #slots: WorkerSlot[] = [];
  /** Ready, takes no work; swapped in for a blocked worker. */
  #standIn: WorkerSlot | undefined;
  /** Blocked workers taken out of rotation: each recovers (and stands in) or is stopped. */
  #benched: WorkerSlot[] = [];
  readonly #waiting = new WaitingLine<Job>();
  #nextId = 1;
  #replaced = 0;
  #closed = false;
  /** Until the first worker is ready: its failure is start()'s to report, not the pool's to retry. */
  #starting = false;
  #bootFailures = 0;
  readonly #bootRetries = new Set<NodeJS.Timeout>();
  #watchdog: NodeJS.Timeout | undefined;
  /** The workers and the steps the watchdog (watchdog.ts) may take on them. */
  readonly #watched: WatchdogHost<WorkerSlot> = {
    serving: () => this.#slots,
    standIn: () => this.#standIn,
    benched: () => this.#benched,
    standInUsable: () => this.#standInUsable(),
    flushWaiting: () => this.#flushWaiting(),
    requeue: (jobs) => this.#requeue(jobs),
    bench: (slot) => this.#bench(slot),
    unbench: (slot) => this.#unbench(slot),
    replaceBlocked: (slot) => this.#replaceBlocked(slot),
  };

  constructor(options: PoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1) throw new KadmitError('KADMIT_POOL_SIZE', `worker pool size must be a whole number above 0 (got ${options.size})`);
    this.#options = options;
    const stallAfterMs = options.stallAfterMs ?? 5 * HEARTBEAT_INTERVAL_MS;
    this.#bodyBudget = options.bodyBudgetBytes ?? DEFAULT_BODY_BUDGET;
    this.#relay = createLogRelay(options.log);
    this.#times = { stallAfterMs, replaceAfterMs: Math.max(stallAfterMs, options.replaceAfterMs ?? 250) };
    this.#webhookNames = options.webhooks.map((w) => w.name);
    this.#webhookNames.forEach((name, i) => this.#webhookIndex.set(name, i));
  }

  /**
   * Resolves once the first worker is ready: the pool serves from then on. The
   * first boots alone beside the main thread (a boot is ~0.25 s of CPU); the
   * others boot once `othersAfter` settles (serve: once it serves, so that their
   * boots do not slow its own start-up) and take work as each becomes ready, the
   * stand-in last. A first worker that cannot start (a policy module that fails
   * to load) rejects.
   */
  async start(othersAfter: Promise<unknown> = Promise.resolve()): Promise<void> {
    const first = this.#spawn();
    this.#slots = [first];
    this.#starting = true;
    try {
      await first.ready;
    } finally {
      this.#starting = false;
    }
    if (this.#closed) return;
    const bootOthers = () => {
      if (this.#closed) return;
      const rest = Array.from({ length: this.#options.size - 1 }, () => this.#spawn());
      this.#slots.push(...rest);
      void Promise.allSettled(rest.map((s) => s.ready)).then(() => {
        if (!this.#closed) this.#standIn ??= this.#spawn();
      });
    };
    void othersAfter.then(bootOthers, bootOthers);
    this.#watchdog = setInterval(() => watchdogTick(this.#watched, this.#times, Date.now()), WATCHDOG_INTERVAL_MS);
    this.#watchdog.unref();
  }

  /** An Executor for the Reviewer. */
  execute = (webhook: Webhook, body: Uint8Array, ctx: ExecutionContext): Promise<ReviewOutcome> => {
    const index = this.#webhookIndex.get(webhook.name);
    if (index === undefined) return Promise.reject(new KadmitError('KADMIT_POOL_WEBHOOK', `webhook "${webhook.name}" is not loaded in the workers`));
    if (this.#closed) return Promise.reject(new KadmitError('KADMIT_POOL_CLOSED', 'the worker pool is closed'));
    return new Promise<ReviewOutcome>((resolve, reject) => {
      const id = this.#nextId;
      this.#nextId = this.#nextId >= 0x7fffffff ? 1 : this.#nextId + 1;
      const job: Job = { id, webhook: index, body, deadline: ctx.deadline, slot: -1, resolve, reject, ctx, onAbort: () => this.#abort(job) };
      ctx.signal.addEventListener('abort', job.onAbort, { once: true });
      this.#dispatch(job);
    });
  };

  stats(): PoolStats {
    let ready = 0;
    let stalled = 0;
    let inFlight = this.#waiting.length;
    for (const s of this.#slots) {
      if (s.isReady && !s.dead) ready++;
      if (s.stalled) stalled++;
    }
    for (const s of this.#everyWorker()) inFlight += s.jobs.size;
    return { size: this.#options.size, ready, stalled, inFlight, replaced: this.#replaced, standInReady: this.#standInUsable() };
  }

  /** Heap in use across the live workers (what their V8 heaps hold, not their whole footprint). */
  async heapUsed(): Promise<number> {
    const live = this.#everyWorker().filter((s) => s.isReady && !s.dead);
    const sizes = await Promise.all(live.map((s) => s.worker.getHeapStatistics?.().then((h) => h.used_heap_size, () => 0) ?? 0));
    return sizes.reduce((a, b) => a + b, 0);
  }

  /**
   * The serving workers for diagnostics, labelled by slot (`worker-0` ..): a
   * replacement takes its slot's label, so labels stay bounded by the pool size.
   */
  threads(): DiagnosableThread[] {
    return this.#slots.flatMap((s, i) => {
      const { performance, startCpuProfile, getHeapSnapshot } = s.worker;
      if (!s.isReady || s.dead || !performance || !startCpuProfile || !getHeapSnapshot) return [];
      return [workerThread(`worker-${i}`, s.worker as InspectableWorker, () => s.loopDelay())];
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#watchdog);
    for (const retry of this.#bootRetries) clearTimeout(retry);
    const stopped = new KadmitError('KADMIT_POOL_CLOSED', 'the worker pool closed');
    for (const job of this.#waiting.takeAll()) this.#settle(job, stopped);
    await Promise.all(this.#everyWorker().map((s) => this.#stop(s, stopped)));
  }

  #everyWorker(): WorkerSlot[] {
    return [...this.#slots, ...this.#benched, ...(this.#standIn ? [this.#standIn] : [])];
  }

  #standInUsable(): boolean {
    const standIn = this.#standIn;
    return standIn !== undefined && standIn.isReady && !standIn.dead && !standIn.stalled;
  }

  #spawn(): WorkerSlot {
    const slot = new WorkerSlot(this.#options.setup, this.#options.createWorker ?? createThread, this.#options.resourceLimits, this.#webhookNames);
    slot.worker.on('message', (m: FromWorker) => this.#onMessage(slot, m));
    slot.worker.on('error', (err) => this.#options.log.error({ err }, 'review worker failed'));
    slot.worker.on('exit', (code: number) => {
      if (slot.dead) return;
      slot.dead = true;
      // Only the reviews it had started die with it; the ones it had not go to another worker.
      const queued = slot.reclaimQueued();
      const started = slot.jobs.size;
      this.#failJobs(slot, new KadmitError('KADMIT_WORKER_EXITED', `its worker exited (code ${code})`));
      if (slot.isReady) {
        this.#options.log.error({ code, failedReviews: started, movedReviews: queued.length }, 'review worker exited; replacing it');
        this.#replace(slot, 'exited');
      } else this.#replaceAfterBootFailure(slot, code);
      this.#requeue(queued);
    });
    slot.ready.then(
      () => {
        this.#bootFailures = 0;
        this.#flushWaiting();
      },
      // The first worker's failure is start()'s to report. Of the others, the exit
      // is logged as a failed boot; a refused one's exit would not say why.
      (err: unknown) => {
        if (!this.#starting && err instanceof KadmitError && err.code === 'KADMIT_WORKER_IDENTITY') this.#options.log.error({ err }, 'review worker refused');
      },
    );
    return slot;
  }

  #replaceAfterBootFailure(slot: WorkerSlot, code: number): void {
    if (this.#starting || this.#closed) return;
    const delayMs = Math.min(BOOT_RETRY_MAX_MS, BOOT_RETRY_MS * 2 ** this.#bootFailures++);
    this.#options.log.error({ code, retryInMs: delayMs }, 'review worker died before it was ready; starting another later');
    const retry = setTimeout(() => {
      this.#bootRetries.delete(retry);
      this.#replace(slot, 'exited');
    }, delayMs);
    retry.unref();
    this.#bootRetries.add(retry);
  }

  #dispatch(job: Job): void {
    const worker = pickWorker(this.#slots, job.body.byteLength, this.#bodyBudget);
    if (worker) worker.send(job);
    else this.#waiting.push(job);
  }

  /** Serves the waiting line: called whenever room may have appeared. */
  #flushWaiting(): void {
    this.#waiting.serve((job) => {
      if (job.ctx.signal.aborted) {
        this.#settle(job, new KadmitError('KADMIT_POOL_ABORTED', 'aborted before a worker was free'));
        return true;
      }
      const worker = pickWorker(this.#slots, job.body.byteLength, this.#bodyBudget);
      worker?.send(job);
      return worker !== undefined;
    });
  }

  /** Reviews taken back from a worker, sent elsewhere or to the front of the wait. */
  #requeue(jobs: readonly Job[]): void {
    for (const job of jobs) {
      this.#options.events?.reviewReclaimed?.();
      this.#dispatch(job);
    }
  }

  #onMessage(slot: WorkerSlot, message: FromWorker): void {
    if (message.type === 'ready') return;
    if (message.type === 'log') return this.#relayLog(slot, message.line);
    if (message.type === 'loop-delay') return; // answered to WorkerSlot.loopDelay
    if (message.type === 'spans') return activeTracing()?.receiveWorkerSpans?.(message.spans);
    const job = slot.finish(message.id, message.slot);
    if (!job) return;
    if (message.type === 'done') this.#settle(job, undefined, message.outcome);
    else this.#settle(job, new KadmitError('KADMIT_WORKER_REVIEW', message.message));
    // The freed slot takes the next waiting review now, not at the next event.
    this.#flushWaiting();
  }

  #relayLog(slot: WorkerSlot, line: string): void {
    if (this.#relay(slot.worker.threadId, line) === 'too-long') {
      this.#options.log.warn({ worker: slot.worker.threadId, bytes: line.length }, 'a log line from a review worker was too long to relay');
    }
  }

  #abort(job: Job): void {
    if (this.#waiting.remove(job)) {
      this.#settle(job, new KadmitError('KADMIT_POOL_ABORTED', 'aborted before a worker was free'));
      return;
    }
    const kind = abortKindOf(job.ctx.signal);
    for (const s of this.#everyWorker()) {
      if (s.jobs.get(job.slot) === job && kind) s.post({ type: 'abort', id: job.id, slot: job.slot, kind });
    }
  }

  #settle(job: Job, err: Error | undefined, outcome?: ReviewOutcome): void {
    job.ctx.signal.removeEventListener('abort', job.onAbort);
    if (err) job.reject(err);
    else job.resolve(outcome!);
  }

  /** Stops a worker a handler blocked past a deadline; #replace puts another in its place (serving, stand-in or bench). */
  #replaceBlocked(slot: WorkerSlot): void {
    this.#options.log.warn({ stalledJobs: slot.jobs.size }, 'review worker blocked past a deadline; replacing it');
    slot.dead = true;
    void this.#stop(slot, new KadmitError('KADMIT_WORKER_STOPPED', 'its worker was stopped: a handler blocked it past its deadline'));
    this.#replace(slot, 'stalled');
  }

  /** Swaps the stand-in in for a blocked worker; the blocked one waits on the bench. */
  #bench(slot: WorkerSlot): void {
    const standIn = this.#standIn!;
    this.#standIn = undefined;
    this.#slots = this.#slots.map((s) => (s === slot ? standIn : s));
    this.#benched.push(slot);
    this.#flushWaiting();
  }

  /**
   * A benched worker that was only busy, not blocked: it becomes the stand-in.
   * Of two idle workers one goes; one with reviews still running is kept.
   */
  #unbench(slot: WorkerSlot): void {
    const standIn = this.#standIn;
    if (standIn !== undefined && standIn.jobs.size > 0 && slot.jobs.size > 0) return; // both busy: ask again next tick
    this.#benched = this.#benched.filter((s) => s !== slot);
    if (standIn === undefined) {
      this.#standIn = slot;
      return;
    }
    const retired = slot.jobs.size === 0 ? slot : standIn;
    this.#standIn = retired === slot ? standIn : slot;
    retired.dead = true;
    void retired.worker.terminate();
  }

  #countReplacement(reason: 'stalled' | 'exited'): void {
    this.#replaced++;
    this.#options.events?.workerReplaced?.(reason);
  }

  #replace(old: WorkerSlot, reason: 'stalled' | 'exited'): void {
    if (this.#closed) return;
    this.#countReplacement(reason);
    if (old === this.#standIn) {
      this.#standIn = this.#spawn();
      return;
    }
    if (this.#benched.includes(old)) {
      this.#benched = this.#benched.filter((s) => s !== old);
      this.#standIn ??= this.#spawn();
      return;
    }
    // The stand-in takes the place when it is ready; a new one is started behind it.
    let fresh: WorkerSlot;
    if (this.#standInUsable()) {
      fresh = this.#standIn!;
      this.#standIn = this.#spawn();
    } else {
      fresh = this.#spawn();
    }
    this.#slots = this.#slots.map((s) => (s === old ? fresh : s));
    if (fresh.isReady) this.#flushWaiting();
  }

  #failJobs(slot: WorkerSlot, err: Error): void {
    for (const job of slot.jobs.values()) {
      slot.finish(job.id, job.slot);
      this.#settle(job, err);
    }
  }

  async #stop(slot: WorkerSlot, err: Error): Promise<void> {
    slot.dead = true;
    if (!this.#closed) this.#requeue(slot.reclaimQueued());
    this.#failJobs(slot, err);
    await slot.worker.terminate();
  }
}
