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
  const line = text.split('\n').find((l) => l.includes('"msg":"kadmit serving"'));
  if (!line) return undefined;
  // pino writes ISO times here; a number (epoch ms) is read as well.
  const time = (JSON.parse(line) as { time?: unknown }).time;
  const at = typeof time === 'string' ? Date.parse(time) : typeof time === 'number' ? time : Number.NaN;
  return Number.isFinite(at) ? at - spawnedAt : undefined;
}
