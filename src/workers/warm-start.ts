// Review workers started ahead of need (`kadmit serve --watch`). Most of a
// worker's start-up is loading kadmit's own modules (~0.5 s of CPU, seconds on a
// busy machine); a worker started ahead has done that and waits for its setup,
// so a reload only loads the policy modules: in a thread that has never
// imported them, so they and everything they import are read anew.
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

interface SetupMessage {
  type: 'setup';
  setup: WorkerSetup;
}

/** In a worker: its setup, from workerData or (started ahead) the first message. */
export async function setupOfThisWorker(data: unknown, port: MessagePort): Promise<WorkerSetup> {
  if (data !== AWAIT_SETUP) return data as WorkerSetup;
  port.postMessage({ type: LOADED });
  const [message] = (await once(port, 'message')) as [SetupMessage];
  return message.setup;
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

  /** A CreateWorker for a pool: a waiting worker given its setup, else a new one. */
  createWorker: CreateWorker = (setup, resourceLimits) => {
    const sameLimits = JSON.stringify(resourceLimits) === JSON.stringify(this.#options.resourceLimits);
    const worker = sameLimits ? this.#waiting.shift() : undefined;
    if (worker === undefined) return this.#options.fallback(setup, resourceLimits);
    this.#forget.get(worker)?.();
    worker.postMessage({ type: 'setup', setup } satisfies SetupMessage);
    return worker as WorkerLike;
  };

  async close(): Promise<void> {
    this.#closed = true;
    const idle = this.#waiting.splice(0);
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
    });
    this.#loading.add(worker);
    this.#waiting.push(worker);
  }

  #tellIfAllLoaded(): void {
    if (this.#loading.size === 0 && this.#waiting.length === this.#options.count && !this.#closed) this.#options.loaded?.(this.#waiting.length);
  }
}
