// When a rotation loop wakes next: at the earliest due point still ahead, but
// never more than the check interval away (the clock is re-read on every wake
// instead of trusting one long timer: a suspended VM or a clock step must not
// delay a rotation) and never sooner than a floor (no busy loop on a point
// that has just passed).

export const MIN_WAKE_MS = 200;

/** Delay in ms from `now` (ms since the epoch) to the next wake-up. */
export function nextWake(points: readonly number[], now: number, checkMs: number): number {
  const future = points.filter((p) => p > now).map((p) => p - now);
  return Math.max(MIN_WAKE_MS, Math.min(checkMs, ...future));
}
