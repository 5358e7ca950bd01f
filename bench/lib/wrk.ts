// wrk as the load generator: installed on demand from Debian, pinned to its own
// core, and its text report parsed into numbers.
import { accessSync, constants, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { BenchError } from './errors.ts';
import { runCaptured, runInherit } from './procs.ts';

export function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export async function ensureWrk(): Promise<void> {
  if (onPath('wrk')) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  console.log('bench: wrk is not installed; running `apt-get install -y wrk`');
  if ((await runInherit('apt-get', ['install', '-y', 'wrk'], env)) !== 0) {
    console.log('bench: that failed; running `apt-get update`, then `apt-get install -y wrk` again');
    await runInherit('apt-get', ['update'], env);
    await runInherit('apt-get', ['install', '-y', 'wrk'], env);
  }
  if (!onPath('wrk')) {
    throw new BenchError('wrk is not installed and `apt-get install -y wrk` did not install it;\n' +
      '  install wrk (the Debian package has TLS support) and run the bench again');
  }
  console.log('bench: wrk installed');
}

export interface SocketErrors {
  connect: number;
  read: number;
  write: number;
  timeout: number;
}

export interface WrkResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Beyond wrk's --latency table, from the done() hook of the script written by reportingScript(). */
  p999Ms: number;
  maxMs: number;
  meanMs: number;
  requests: number;
  /** wrk counts HTTP statuses >= 400 here ("Non-2xx or Non-3xx responses"). */
  non2xx: number;
  socketErrors: SocketErrors;
}

export interface WrkRun {
  cpu: number | undefined;
  conns: number;
  seconds: number;
  url: string;
  lua: string;
  bodyFile: string;
}

/**
 * A wrk script that runs the shared post.lua and then prints the latency tail
 * wrk's --latency table leaves out (p99.9, max, mean), for parseWrk.
 */
export function reportingScript(dir: string, postLua: string): string {
  const file = join(dir, 'post-report.lua');
  writeFileSync(file, `dofile(${JSON.stringify(postLua)})
done = function(summary, latency, requests)
  io.write(string.format("kadmit-bench latency-us p99.9 %d max %d mean %.1f\\n", latency:percentile(99.9), latency.max, latency.mean))
end
`);
  return file;
}

export async function runWrk(run: WrkRun): Promise<WrkResult> {
  // wrk's default 2 s timeout would drop slower requests from the percentiles; 10 s is the
  // ?timeout= the scenarios send, past which the apiserver would have given up.
  const wrkArgs = ['-t1', `-c${run.conns}`, `-d${run.seconds}s`, '--timeout', '10s', '--latency', '-s', run.lua, run.url];
  const [command, args] = run.cpu === undefined ? ['wrk', wrkArgs] : ['taskset', ['-c', String(run.cpu), 'wrk', ...wrkArgs]];
  // wrk ends by itself; the guard only catches a hung run.
  const out = await runCaptured(command, args, { env: { ...process.env, BODY: run.bodyFile } }, (run.seconds + 60) * 1000);
  if (out.code !== 0) throw new BenchError(`wrk failed (exit ${out.code}) on ${run.url}:\n${out.stderr}${out.stdout}`);
  return parseWrk(out.stdout);
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function latencyMs(text: string, pct: string): number {
  const m = new RegExp(`^\\s*${pct}%\\s+([\\d.]+)(us|ms|s|m|h)\\s*$`, 'm').exec(text);
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : Number.NaN;
}

export function parseWrk(text: string): WrkResult {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(text);
  const requests = /^\s*(\d+) requests in /m.exec(text);
  if (!rps || !requests) throw new BenchError(`cannot read wrk's report:\n${text}`);
  const non2xx = /Non-2xx or Non-3xx responses:\s+(\d+)/.exec(text);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  return {
    rps: Number(rps[1]),
    p50Ms: latencyMs(text, '50'),
    p99Ms: latencyMs(text, '99'),
    ...tail(text),
    requests: Number(requests[1]),
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    socketErrors: sock
      ? { connect: Number(sock[1]), read: Number(sock[2]), write: Number(sock[3]), timeout: Number(sock[4]) }
      : { connect: 0, read: 0, write: 0, timeout: 0 },
  };
}

function tail(text: string): { p999Ms: number; maxMs: number; meanMs: number } {
  const m = /^kadmit-bench latency-us p99\.9 (\d+) max (\d+) mean ([\d.]+)$/m.exec(text);
  return m ? { p999Ms: Number(m[1]) / 1000, maxMs: Number(m[2]) / 1000, meanMs: Number(m[3]) / 1000 } : { p999Ms: Number.NaN, maxMs: Number.NaN, meanMs: Number.NaN };
}

export function errorCount(r: WrkResult): number {
  const s = r.socketErrors;
  return r.non2xx + s.connect + s.read + s.write + s.timeout;
}
