// Where the next review goes. Kept apart from threads and messages so it can be
// reasoned about (and tested) on its own: a worker takes a review while it has
// a free slot and room in its body budget; the waiting line is served the
// moment room appears, oldest first.

export interface Capacity {
  /** Takes new reviews: ready, alive, not stalled. */
  readonly accepting: boolean;
  readonly jobCount: number;
  readonly freeSlots: number;
  /** Body bytes of the reviews it holds. */
  readonly bytesInFlight: number;
}

/**
 * Room for a review of `bytes`: a free slot, and the body budget not passed.
 * A worker holding nothing always has room, so one body larger than the budget
 * still runs (alone). The budget bounds the bodies one worker parses at once,
 * and with it the worker's heap.
 */
export function hasRoom(worker: Capacity, bytes: number, budgetBytes: number): boolean {
  return worker.accepting && worker.freeSlots > 0 && (worker.bytesInFlight === 0 || worker.bytesInFlight + bytes <= budgetBytes);
}

/** The least loaded worker with room for a review of `bytes`, or undefined. */
export function pickWorker<W extends Capacity>(workers: readonly W[], bytes: number, budgetBytes: number): W | undefined {
  let best: W | undefined;
  for (const w of workers) {
    if (!hasRoom(w, bytes, budgetBytes)) continue;
    if (best === undefined || w.jobCount < best.jobCount || (w.jobCount === best.jobCount && w.bytesInFlight < best.bytesInFlight)) best = w;
  }
  return best;
}

/**
 * Reviews waiting for room, oldest first. `serve` offers each in order; one
 * that fits nowhere keeps its place while smaller ones behind it may pass.
 */
export class WaitingLine<J> {
  #jobs: J[] = [];

  get length(): number {
    return this.#jobs.length;
  }

  push(job: J): void {
    this.#jobs.push(job);
  }

  /** Takes `job` out of the line; false if it was not in it. */
  remove(job: J): boolean {
    const i = this.#jobs.indexOf(job);
    if (i < 0) return false;
    this.#jobs.splice(i, 1);
    return true;
  }

  /** Offers every waiting job to `place` in order; those it takes (returns true for) leave the line. */
  serve(place: (job: J) => boolean): void {
    if (this.#jobs.length === 0) return;
    const jobs = this.#jobs;
    this.#jobs = [];
    const left: J[] = [];
    for (const job of jobs) if (!place(job)) left.push(job);
    // Anything `place` queued meanwhile is newer than what was left.
    this.#jobs = [...left, ...this.#jobs];
  }

  takeAll(): J[] {
    const jobs = this.#jobs;
    this.#jobs = [];
    return jobs;
  }
}
