// The watchdog's policy, run every few milliseconds against the pool's workers
// at the time `now` it is given (tests pass their own). A worker whose heartbeat
// has not moved for `stallAfterMs` is stalled: it gets no new work and the
// reviews queued behind it go elsewhere. A stalled worker still running a review
// is benched when a warm stand-in can take its place; one that stays silent past
// its allowance with a started review past its deadline is blocked by a handler
// and replaced. A benched worker whose heartbeat moves again was only busy.
// What those steps do to the pool's workers is the pool's (WatchdogHost).
import type { Job } from './worker-slot.ts';

const MB = 1024 * 1024;
/** Silence a held body buys: parsing and checking one is ~25-50 ms per MB measured, more on a busy machine. */
const PARSE_ALLOWANCE_MS_PER_MB = 150;

/** What the watchdog reads of a worker (a WorkerSlot). */
export interface Watched {
  readonly isReady: boolean;
  readonly dead: boolean;
  readonly stalled: boolean;
  readonly bytesInFlight: number;
  /** Updates `stalled` from the heartbeat; true when it changed. */
  checkHeartbeat(now: number, stallAfterMs: number): boolean;
  quietFor(now: number): number;
  /** The reviews it started and has not finished. */
  started(): readonly Pick<Job, 'deadline'>[];
  /** Takes back the reviews it has not started. */
  reclaimQueued(): Job[];
}

/** The pool as the watchdog sees it: its workers, and what it may do to them. */
export interface WatchdogHost<W extends Watched> {
  serving(): readonly W[];
  standIn(): W | undefined;
  benched(): readonly W[];
  /** A stand-in is ready, alive and not stalled. */
  standInUsable(): boolean;
  /** Serves the waiting line: room may have appeared. */
  flushWaiting(): void;
  requeue(jobs: readonly Job[]): void;
  /** Swaps the usable stand-in in for `worker`, which waits on the bench. */
  bench(worker: W): void;
  /** A benched worker whose heartbeat moved again: it was only busy. */
  unbench(worker: W): void;
  /** Stops a blocked worker and puts another in its place. */
  replaceBlocked(worker: W): void;
}

export interface WatchdogTimes {
  /** A worker whose heartbeat has not moved for this long gets no new work. */
  stallAfterMs: number;
  /** Silence after which a worker holding a review past its deadline is blocked (plus the body allowance). */
  replaceAfterMs: number;
}

/**
 * Silent long enough, with a review it started past its deadline: a handler has
 * it. The bodies it holds buy time (a large body also keeps a worker silent).
 */
export function isBlocked(worker: Watched, now: number, times: WatchdogTimes): boolean {
  const allowance = times.replaceAfterMs + (worker.bytesInFlight / MB) * PARSE_ALLOWANCE_MS_PER_MB;
  return worker.quietFor(now) >= allowance && worker.started().some((job) => now > job.deadline);
}

/** One round of the watchdog over the serving workers, the stand-in and the bench. */
export function watchdogTick<W extends Watched>(host: WatchdogHost<W>, times: WatchdogTimes, now: number): void {
  for (const worker of [...host.serving()]) {
    if (!worker.isReady || worker.dead) continue;
    const changed = worker.checkHeartbeat(now, times.stallAfterMs);
    if (changed && !worker.stalled) host.flushWaiting();
    if (!worker.stalled) continue;
    host.requeue(worker.reclaimQueued());
    if (worker.started().length > 0 && host.standInUsable()) host.bench(worker);
    else if (isBlocked(worker, now, times)) host.replaceBlocked(worker);
  }
  // A stand-in can hold reviews it took over from the bench, and block on one.
  const standIn = host.standIn();
  if (standIn?.isReady && !standIn.dead) {
    standIn.checkHeartbeat(now, times.stallAfterMs);
    if (standIn.stalled && isBlocked(standIn, now, times)) host.replaceBlocked(standIn);
  }
  for (const worker of [...host.benched()]) {
    worker.checkHeartbeat(now, times.stallAfterMs);
    if (!worker.stalled) host.unbench(worker);
    else if (isBlocked(worker, now, times)) host.replaceBlocked(worker);
  }
}
