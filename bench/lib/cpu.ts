// A server's CPU time, read from /proc. On a shared machine req/s drops
// whenever another process takes the server's core; CPU time per review does
// not, so it is the steadier measure of what a review costs.
import { readdirSync, readFileSync } from 'node:fs';
import { median } from './stats.ts';

// USER_HZ: the unit of utime/stime in /proc, 100 on every Linux ABI in use.
const TICKS_PER_SECOND = 100;

/** A /proc stat file's command name and user + system CPU seconds; undefined when it cannot be read. */
function readStat(file: string): { comm: string; seconds: number } | undefined {
  try {
    const stat = readFileSync(file, 'utf8');
    // Fields after the parenthesised command name (which may contain spaces); utime and stime are fields 14 and 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), seconds: (Number(rest[11]) + Number(rest[12])) / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds of all the process's threads; undefined off Linux or once it has exited. */
export function cpuSeconds(pid: number): number | undefined {
  return readStat(`/proc/${pid}/stat`)?.seconds;
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

/**
 * Where a Node server's CPU goes, by kind of thread: the main thread (the event
 * loop: TLS, HTTP, the body scan, logs, metrics), kadmit's review workers
 * (Node names worker_threads "WorkerThread"), V8's helper threads ("V8Worker":
 * the parallel and concurrent parts of garbage collection, and compiling), and
 * the rest (libuv's pool, threads that ended during the window). A Go server's
 * threads are all named after its binary: main and rest only.
 */
export interface CpuSplit {
  main: number;
  workers: number;
  v8: number;
  rest: number;
}

/** A thread counted under one of CpuSplit's kinds, or `other` (left to `rest`). */
type ThreadKind = Exclude<keyof CpuSplit, 'rest'> | 'other';

export type ThreadCpu = ReadonlyMap<number, { kind: ThreadKind; seconds: number }>;

/** CPU seconds of each of the process's threads now; undefined off Linux or once it has exited. */
export function threadCpuSeconds(pid: number, proc = '/proc'): ThreadCpu | undefined {
  let tids: string[];
  try {
    tids = readdirSync(`${proc}/${pid}/task`);
  } catch {
    return undefined;
  }
  const threads = new Map<number, { kind: ThreadKind; seconds: number }>();
  for (const tid of tids) {
    const stat = readStat(`${proc}/${pid}/task/${tid}/stat`);
    if (stat === undefined) continue; // ended since the listing
    const kind: ThreadKind = Number(tid) === pid ? 'main' : stat.comm === 'WorkerThread' ? 'workers' : stat.comm === 'V8Worker' ? 'v8' : 'other';
    threads.set(Number(tid), { kind, seconds: stat.seconds });
  }
  return threads;
}

/**
 * The CPU seconds spent between two readings, by kind of thread. `total` is the
 * process's own reading over the same window: what the threads read do not
 * account for (other threads, and threads that ended in between) is `rest`, so
 * the four add up to it.
 */
export function splitCpu(before: ThreadCpu, after: ThreadCpu, total: number): CpuSplit {
  const split: CpuSplit = { main: 0, workers: 0, v8: 0, rest: 0 };
  let known = 0;
  for (const [tid, now] of after) {
    if (now.kind === 'other') continue;
    // A thread started in the window spent all of its time in it.
    const spent = now.seconds - (before.get(tid)?.seconds ?? 0);
    split[now.kind] += spent;
    known += spent;
  }
  split.rest = Math.max(0, total - known);
  return split;
}

/** A split of CPU seconds as microseconds per review. */
export function splitPerReview(split: CpuSplit, reviews: number): CpuSplit {
  const us = (seconds: number) => (seconds * 1e6) / reviews;
  return { main: us(split.main), workers: us(split.workers), v8: us(split.v8), rest: us(split.rest) };
}

/** Each kind's median over the rounds that have a split (all of them, or none off Linux); undefined when none has. */
export function medianSplit(rounds: readonly (CpuSplit | undefined)[]): CpuSplit | undefined {
  const splits = rounds.filter((s): s is CpuSplit => s !== undefined);
  if (splits.length === 0) return undefined;
  const of = (kind: keyof CpuSplit) => median(splits.map((s) => s[kind]));
  return { main: of('main'), workers: of('workers'), v8: of('v8'), rest: of('rest') };
}
