// Review workers started ahead of need (`kadmit serve`'s first worker, and
// `kadmit serve --watch`). Most of a worker's start-up is loading kadmit's own
// modules (~0.5 s of CPU, seconds on a busy machine); a worker started ahead has
// done that and waits for its setup, so a reload only loads the policy modules:
// in a thread that has never imported them, so they and everything they import
// are read anew. A worker can also be given its setup before a pool takes it
// (prepare): it loads the policy modules while the main thread still loads its
// own, and the pool only adds the shared memory of its slot.
import { once } from 'node:events';
import { Worker, type MessagePort, type ResourceLimits } from 'node:worker_threads';
import { WORKER_URL, type CreateWorker, type WorkerLike } from './worker-slot.ts';
import type { WorkerSetup } from './protocol.ts';

/** The workerData of a worker started ahead: its setup comes as the first message. */
const AWAIT_SETUP = 'kadmit:await-setup';
/**
 * Posted by a worker started ahead once kadmit's modules are loaded. A pool that
 * took the worker before then gets it too, and drops it like any message without
 * a review id.
 */
const LOADED = 'kadmit:loaded';

/** A worker's setup without its slot's shared memory: what can be known before a pool takes it. */
export type PreparedSetup = Omit<WorkerSetup, 'shared'>;

type SetupMessage =
  | { type: 'setup'; setup: WorkerSetup }
  /** prepare(): the shared memory follows in a SharedMessage once a pool takes the worker. */
  | { type: 'setup'; setup: PreparedSetup; shared?: undefined };

interface SharedMessage {
  type: 'shared';
  shared: SharedArrayBuffer;
}

/** What a worker is told to load, and its slot's shared memory (which a prepared worker gets later). */
export interface ArrivingSetup {
  setup: PreparedSetup;
  shared: Promise<SharedArrayBuffer>;
}

/** In a worker: its setup, from workerData or (started ahead) the first message. */
export async function setupOfThisWorker(data: unknown, port: MessagePort): Promise<ArrivingSetup> {
  if (data !== AWAIT_SETUP) return { setup: data as WorkerSetup, shared: Promise.resolve((data as WorkerSetup).shared) };
  port.postMessage({ type: LOADED });
  const [message] = (await once(port, 'message')) as [SetupMessage];
  const { shared } = message.setup as Partial<WorkerSetup>;
  if (shared !== undefined) return { setup: message.setup, shared: Promise.resolve(shared) };
  // Nothing else is posted to a worker before it is ready.
  return { setup: message.setup, shared: once(port, 'message').then(([m]) => (m as SharedMessage).shared) };
}

export interface WarmWorkersOptions {
  /** Workers kept waiting: a pool's size and its stand-in. */
  count: number;
  resourceLimits: ResourceLimits | undefined;
  /** Makes the thread to use when none is waiting (or their limits differ). */
  fallback: CreateWorker;
  /** Told when all `count` workers wait with kadmit's modules loaded (after each refill). */
  loaded?(count: number): void;
}

/** Keeps `count` workers started ahead; `createWorker` hands them out to a pool. */
export class WarmWorkers {
  readonly #options: WarmWorkersOptions;
  readonly #waiting: Worker[] = [];
  /** Waiting workers given a setup by prepare(), as JSON: a pool's setup must match it. */
  readonly #prepared = new Map<Worker, string>();
  readonly #forget = new Map<Worker, () => void>();
  /** Waiting workers still loading kadmit's modules. */
  readonly #loading = new Set<Worker>();
  #closed = false;

  constructor(options: WarmWorkersOptions) {
    this.#options = options;
  }

  /** Starts workers until `count` wait (after a reload used them). */
  refill(): void {
    while (!this.#closed && this.#waiting.length < this.#options.count) this.#start();
  }

  /**
   * Gives the first waiting worker not yet prepared its setup now, so that it
   * loads the webhooks before a pool takes it; the pool's own setup must be the
   * same, else that worker is stopped and another started.
   */
  prepare(setup: PreparedSetup): void {
    const worker = this.#waiting.find((w) => !this.#prepared.has(w));
    if (worker === undefined) return;
    this.#prepared.set(worker, JSON.stringify(setup));
    worker.postMessage({ type: 'setup', setup } satisfies SetupMessage);
  }

  /** A CreateWorker for a pool: a waiting worker given its setup, else a new one. */
  createWorker: CreateWorker = (setup, resourceLimits) => {
    const sameLimits = JSON.stringify(resourceLimits) === JSON.stringify(this.#options.resourceLimits);
    const worker = sameLimits ? this.#waiting.shift() : undefined;
    if (worker === undefined) return this.#options.fallback(setup, resourceLimits);
    const prepared = this.#prepared.get(worker);
    this.#forget.get(worker)?.();
    if (prepared === undefined) {
      worker.postMessage({ type: 'setup', setup } satisfies SetupMessage);
    } else {
      const { shared, ...rest } = setup;
      if (JSON.stringify(rest) !== prepared) {
        void worker.terminate();
        return this.#options.fallback(setup, resourceLimits);
      }
      worker.postMessage({ type: 'shared', shared } satisfies SharedMessage);
    }
    return worker as WorkerLike;
  };

  async close(): Promise<void> {
    this.#closed = true;
    const idle = this.#waiting.splice(0);
    this.#prepared.clear();
    await Promise.all(idle.map((w) => w.terminate()));
  }

  #start(): void {
    const limits = this.#options.resourceLimits;
    const worker = new Worker(WORKER_URL, { workerData: AWAIT_SETUP, ...(limits && { resourceLimits: limits }) });
    // One that ends while it waits (out of memory at start-up) is dropped; the pool starts its own.
    const drop = () => {
      const i = this.#waiting.indexOf(worker);
      if (i >= 0) this.#waiting.splice(i, 1);
      this.#forget.get(worker)?.();
    };
    const onMessage = (m: { type?: unknown } | undefined) => {
      if (m?.type !== LOADED) return;
      this.#loading.delete(worker);
      this.#tellIfAllLoaded();
    };
    worker.on('error', drop);
    worker.on('exit', drop);
    worker.on('message', onMessage);
    this.#forget.set(worker, () => {
      worker.off('error', drop);
      worker.off('exit', drop);
      worker.off('message', onMessage);
      this.#forget.delete(worker);
      this.#loading.delete(worker);
      this.#prepared.delete(worker);
    });
    this.#loading.add(worker);
    this.#waiting.push(worker);
  }

  #tellIfAllLoaded(): void {
    if (this.#loading.size === 0 && this.#waiting.length === this.#options.count && !this.#closed) this.#options.loaded?.(this.#waiting.length);
  }
}
