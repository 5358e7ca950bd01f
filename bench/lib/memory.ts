// A server's resident memory and how long it took to serve, read from outside
// the process (/proc and its own log), so measuring costs the server nothing.
import { readFileSync } from 'node:fs';

/** Resident set of the whole process (all threads), in MiB; undefined off Linux or once it has exited. */
export function rssMiB(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Milliseconds from `spawnedAt` (ms since epoch) to kadmit's "kadmit serving"
 * log line (written once /readyz answers 200), from the line's own `time`.
 */
export function readyAfterMs(stdoutFile: string, spawnedAt: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(stdoutFile, 'utf8');
  } catch {
    return undefined;
  }
  const at = servingAt(text);
  return at === undefined ? undefined : at - spawnedAt;
}

/**
 * When (ms since epoch) kadmit's log `text` says it serves: the `time` of its
 * "kadmit serving" line, not when the line was read. Log lines reach stdout in
 * batches (up to 100 ms later, src/observability/stdout-log.ts), and readiness
 * is set before the line is logged. Only whole lines count: `text` may end
 * part-way through one.
 */
export function servingAt(text: string): number | undefined {
  const line = text.split('\n').slice(0, -1).find((l) => l.includes('"msg":"kadmit serving"'));
  if (!line) return undefined;
  // pino writes ISO times here; a number (epoch ms) is read as well.
  const time = (JSON.parse(line) as { time?: unknown }).time;
  const at = typeof time === 'string' ? Date.parse(time) : typeof time === 'number' ? time : Number.NaN;
  return Number.isFinite(at) ? at : undefined;
}
