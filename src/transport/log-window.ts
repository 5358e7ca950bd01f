// A log line that repeats with traffic (a failed handshake, a refused request)
// is capped, so that a scanner cannot flood the log: the first event of a
// window is written, the rest of the window only counted, and the count goes
// out with the next line written.
export function logWindow(windowMs: number, now: () => number = Date.now): (write: (unloggedSinceLastLine: number) => void) => void {
  let windowEnds = 0;
  let unlogged = 0;
  return (write) => {
    const at = now();
    if (at < windowEnds) {
      unlogged++;
      return;
    }
    windowEnds = at + windowMs;
    write(unlogged);
    unlogged = 0;
  };
}
