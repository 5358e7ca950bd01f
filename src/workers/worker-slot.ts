// One review worker as the pool sees it: the thread, the reviews it holds, and
// the shared-memory words that say which of them it has started.
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { EventEmitter } from 'node:events';
import { KadmitError } from '../errors.ts';
import { MODULE_EXT } from '../own-modules.ts';
import type { ReviewOutcome } from '../model/outcome.ts';
import type { ExecutionContext } from '../admission/reviewer.ts';
import type { Capacity } from './scheduler.ts';
import type { InspectableWorker } from '../observability/threads.ts';
import type { LoopDelay } from '../observability/loop-delay.ts';
import { FREE, HEARTBEAT, SLOT_BASE, SLOTS, type FromWorker, type ReviewMessage, type ToWorker, type WorkerSetup } from './protocol.ts';
import { webhookListMismatch } from './identity.ts';
import { SharedBodies } from './shared-bodies.ts';
import { SlotTable } from '../slot-table.ts';

/** What the pool needs of a thread: a Worker, or a stand-in in tests. */
/** A real Worker also has what diagnostics read (event-loop utilisation, CPU profile, heap snapshot). */
export interface WorkerLike extends EventEmitter, Partial<InspectableWorker> {
  readonly threadId: number;
  postMessage(message: ToWorker): void;
  terminate(): Promise<number>;
  getHeapStatistics?(): Promise<{ used_heap_size: number }>;
}

export type CreateWorker = (setup: WorkerSetup, resourceLimits: ResourceLimits | undefined) => WorkerLike;

export const WORKER_URL = new URL(`./review-worker${MODULE_EXT}`, import.meta.url);

export const createThread: CreateWorker = (setup, resourceLimits) =>
  new Worker(WORKER_URL, { workerData: setup, ...(resourceLimits && { resourceLimits }) });

const LOOP_DELAY_TIMEOUT_MS = 500;

export interface Job {
  id: number;
  webhook: number;
  body: Uint8Array;
  deadline: number;
  slot: number;
  resolve(outcome: ReviewOutcome): void;
  reject(err: Error): void;
  ctx: ExecutionContext;
  onAbort: () => void;
  /** The bytes posted to the worker now (shared-bodies.ts): `body`, or a lent shared copy of it. */
  posted?: Uint8Array;
}

export class WorkerSlot implements Capacity {
  readonly worker: WorkerLike;
  readonly words: Int32Array;
  /** The reviews it holds, each under its slot in the shared words (a SlotTable, not a Map: see slot-table.ts). */
  readonly jobs = new SlotTable<Job>(SLOTS);
  readonly ready: Promise<void>;
  readonly #bodies = new SharedBodies();
  /** Reviews sent and not yet posted (see #flush). */
  #outbox: ReviewMessage[] = [];
  isReady = false;
  stalled = false;
  dead = false;
  bytesInFlight = 0;
  #lastBeat = -1;
  #loopDelayAsks = 0;
  #quietSince: number | undefined;

  /** `webhooks`: the names the main thread serves, in the order reviews are sent by. */
  constructor(setup: Omit<WorkerSetup, 'shared'>, create: CreateWorker, resourceLimits: ResourceLimits | undefined, webhooks: readonly string[]) {
    const shared = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * (SLOT_BASE + SLOTS));
    this.words = new Int32Array(shared);
    this.worker = create({ ...setup, shared }, resourceLimits);
    this.ready = new Promise((resolve, reject) => {
      const settle = (err?: Error) => {
        this.worker.off('message', onMessage);
        this.worker.off('error', settle);
        this.worker.off('exit', onExit);
        if (err) reject(err);
        else resolve();
      };
      const onMessage = (m: FromWorker) => {
        if (m.type !== 'ready') return;
        const mismatch = webhookListMismatch(webhooks, m.webhooks);
        if (mismatch === undefined) {
          this.isReady = true;
          return settle();
        }
        // Never ready, so never sent work; its exit is a failed boot.
        settle(new KadmitError('KADMIT_WORKER_IDENTITY', `review worker loaded other webhooks than the main thread: ${mismatch}`));
        void this.worker.terminate();
      };
      // A worker can also end without an error (process.exit() in a module it loads).
      const onExit = (code: number) => settle(new KadmitError('KADMIT_WORKER_EXITED', `review worker exited (code ${code}) before it was ready`));
      this.worker.on('message', onMessage);
      this.worker.once('error', settle);
      this.worker.once('exit', onExit);
    });
  }

  get accepting(): boolean {
    return this.isReady && !this.dead && !this.stalled;
  }

  get jobCount(): number {
    return this.jobs.size;
  }

  get freeSlots(): number {
    return this.jobs.free;
  }

  send(job: Job): void {
    job.slot = this.jobs.add(job);
    Atomics.store(this.words, SLOT_BASE + job.slot, job.id);
    this.bytesInFlight += job.body.byteLength;
    job.posted = this.#bodies.lend(job.body);
    this.#outbox.push({ type: 'review', id: job.id, slot: job.slot, webhook: job.webhook, body: job.posted, deadline: job.deadline, ...(job.ctx.trace && { trace: job.ctx.trace }) });
    if (this.#outbox.length === 1) setImmediate(this.#flush);
  }

  /** Posts a message after the reviews sent before it. */
  post(message: ToWorker): void {
    this.#flush();
    this.worker.postMessage(message);
  }

  /**
   * The reviews sent in one turn of the event loop go in one message, posted
   * once the turn's I/O is handled: each message wakes the worker's thread, and
   * on a shared core that wake-up, not the copy, is what a message costs.
   */
  readonly #flush = (): void => {
    const reviews = this.#outbox;
    if (reviews.length === 0) return;
    this.#outbox = [];
    this.worker.postMessage(reviews.length === 1 ? reviews[0]! : { type: 'reviews', reviews });
  };

  /**
   * The worker's event-loop delay since the last ask; undefined when it does not
   * answer within `timeoutMs` (a blocked worker: its utilisation shows that).
   */
  loopDelay(timeoutMs = LOOP_DELAY_TIMEOUT_MS): Promise<LoopDelay | undefined> {
    const id = ++this.#loopDelayAsks;
    return new Promise((resolve) => {
      const done = (delay: LoopDelay | undefined) => {
        clearTimeout(timer);
        this.worker.off('message', onMessage);
        resolve(delay);
      };
      const onMessage = (m: FromWorker) => {
        if (m.type === 'loop-delay' && m.id === id) done(m.delay);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      this.worker.on('message', onMessage);
      this.worker.postMessage({ type: 'loop-delay', id });
    });
  }

  /** Removes the job the worker answered for (`id` in `slot`); the slot is free again. Undefined when that job is no longer held. */
  finish(id: number, slot: number): Job | undefined {
    const job = this.jobs.get(slot);
    // A message without a review (a worker started ahead announcing itself) finds no job either.
    if (job === undefined || job.id !== id) return undefined;
    this.#release(job);
    return job;
  }

  /** Takes back the jobs the worker has not started (all of them, once it is dead). */
  reclaimQueued(): Job[] {
    const taken: Job[] = [];
    for (const job of this.jobs.values()) {
      if (Atomics.compareExchange(this.words, SLOT_BASE + job.slot, job.id, FREE) === job.id) taken.push(job);
    }
    for (const job of taken) this.#release(job);
    return taken;
  }

  /** The jobs the worker started and has not finished. */
  started(): Job[] {
    return this.jobs.values().filter((job) => Atomics.load(this.words, SLOT_BASE + job.slot) === -job.id);
  }

  /** How long the heartbeat has not moved. */
  quietFor(now: number): number {
    return this.#quietSince === undefined ? 0 : now - this.#quietSince;
  }

  /** Updates `stalled` from the heartbeat; returns true when it changed. */
  checkHeartbeat(now: number, stallAfterMs: number): boolean {
    const beat = Atomics.load(this.words, HEARTBEAT);
    const was = this.stalled;
    if (beat !== this.#lastBeat) {
      this.#lastBeat = beat;
      this.#quietSince = undefined;
      this.stalled = false;
    } else {
      this.#quietSince ??= now;
      this.stalled = now - this.#quietSince >= stallAfterMs;
    }
    return was !== this.stalled;
  }

  #release(job: Job): void {
    Atomics.store(this.words, SLOT_BASE + job.slot, FREE);
    this.jobs.delete(job.slot);
    this.bytesInFlight -= job.body.byteLength;
    // A live worker's released job is one it answered or will never start: the lent bytes are free.
    // A dead worker may still be running as it is terminated: its buffers go with it.
    if (job.posted !== undefined && !this.dead) this.#bodies.giveBack(job.posted, job.body);
    job.posted = undefined;
  }
}
