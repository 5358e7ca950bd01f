// A server's CPU time, read from /proc. On a shared machine req/s drops
// whenever another process takes the server's core; CPU time per review does
// not, so it is the steadier measure of what a review costs.
import { readFileSync } from 'node:fs';

// USER_HZ: the unit of utime/stime in /proc, 100 on every Linux ABI in use.
const TICKS_PER_SECOND = 100;

function statCpuSeconds(file: string): number | undefined {
  try {
    const stat = readFileSync(file, 'utf8');
    // Fields after the parenthesised command name (which may contain spaces); utime and stime are fields 14 and 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds of all the process's threads; undefined off Linux or once it has exited. */
export function cpuSeconds(pid: number): number | undefined {
  return statCpuSeconds(`/proc/${pid}/stat`);
}

/**
 * The same for the process's main thread alone (its thread id is the pid). For
 * Node that is the event loop: TLS, HTTP and, without workers, the handlers.
 * The rest is worker threads, GC and compiler helpers.
 */
export function mainThreadCpuSeconds(pid: number): number | undefined {
  return statCpuSeconds(`/proc/${pid}/task/${pid}/stat`);
}

/**
 * CPU seconds of this process's children that have exited and been reaped
 * (cutime + cstime). Around one wrk run it is wrk's own CPU: nothing else the
 * bench starts ends in that window.
 */
export function reapedChildrenCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[13]) + Number(rest[14])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
