// Worker pools one after another (`kadmit serve --watch`): a pool that loaded new
// policy code takes every new review the moment it is swapped in, while the pool
// it replaces finishes the reviews it already holds and then closes. A Worker
// thread imports its modules anew, so a new pool is the only way to run changed
// code together with everything it imports.
import type { ExecutionContext, Executor } from '../admission/reviewer.ts';
import type { Webhook } from '../model/webhook.ts';
import { MAX_TIMEOUT_MS } from '../admission/deadline.ts';
import { KadmitError } from '../errors.ts';
import type { WorkerPool } from './pool.ts';

export interface GenerationOptions {
  /**
   * How long a replaced pool may keep its reviews before it is closed. A review
   * never outlives the apiserver's longest timeout (30 s), and one past its
   * deadline has been answered by failurePolicy already.
   */
  retireWithinMs?: number;
  /** How often a replaced pool is asked whether it still holds reviews. */
  pollMs?: number;
}

const RETIRE_SLACK_MS = 1_000;
const POLL_MS = 20;

export class PoolGenerations {
  #current: WorkerPool;
  readonly #retiring = new Set<Promise<void>>();
  readonly #retireWithinMs: number;
  readonly #pollMs: number;
  #closed = false;

  constructor(first: WorkerPool, options: GenerationOptions = {}) {
    this.#current = first;
    this.#retireWithinMs = options.retireWithinMs ?? MAX_TIMEOUT_MS + RETIRE_SLACK_MS;
    this.#pollMs = options.pollMs ?? POLL_MS;
  }

  /** The pool new reviews go to. */
  get current(): WorkerPool {
    return this.#current;
  }

  /** Pools swapped out that still finish their reviews. */
  get retiring(): number {
    return this.#retiring.size;
  }

  /** An Executor for the Reviewer: always the current pool. */
  execute: Executor = (webhook: Webhook, body: Uint8Array, ctx: ExecutionContext) => this.#current.execute(webhook, body, ctx);

  /**
   * New reviews go to `next` from now on. The pool it replaces closes once it
   * holds no review (queued or started), or after `retireWithinMs` at most.
   */
  swap(next: WorkerPool): void {
    if (this.#closed) throw new KadmitError('KADMIT_POOL_CLOSED', 'the worker pools are closed');
    const old = this.#current;
    this.#current = next;
    const retired = this.#retire(old).finally(() => this.#retiring.delete(retired));
    this.#retiring.add(retired);
  }

  /** Closes the current pool and every pool still retiring. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([this.#current.close(), ...this.#retiring]);
  }

  async #retire(pool: WorkerPool): Promise<void> {
    const until = Date.now() + this.#retireWithinMs;
    while (!this.#closed && pool.stats().inFlight > 0 && Date.now() < until) await sleep(this.#pollMs);
    await pool.close();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
