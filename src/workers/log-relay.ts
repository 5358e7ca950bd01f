// A review worker's log lines reach the process's log destination serialised
// once: the worker's pino has already bounded, redacted and written the line;
// the main thread checks its shape, appends the fields it adds (the pool
// logger's bindings and the worker's thread id) and writes it as it is, with
// no JSON.parse and no second pass through the field sanitiser. A worker runs
// handler code and is not trusted: a line that is too long, is not one line,
// or does not start the way pino starts every line is not relayed.
import type { Logger } from 'pino';
import { destinationOf } from '../observability/logger.ts';

/** A worker's log line longer than this is not relayed (its fields are capped in the worker already). */
export const MAX_RELAYED_LINE = 1024 * 1024;
const LEVEL_PREFIX = '{"level":';
const LINE_END = '}\n';
/** Keys the worker's own logger already writes: not appended twice. */
const WORKER_OWN_KEYS = new Set(['service']);

export type RelayResult = 'written' | 'below-level' | 'too-long' | 'malformed';

/** Writes worker lines to `log`'s destination, at `log`'s level, with `log`'s bindings and the thread id. */
export function createLogRelay(log: Logger): (threadId: number, line: string) => RelayResult {
  const destination = destinationOf(log);
  const bindings = Object.entries(log.bindings()).filter(([key]) => !WORKER_OWN_KEYS.has(key));
  // Appended last, so they win over any same-named key a worker wrote (as a re-logged line's did).
  const appended = bindings.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)},`).join('');
  return (threadId, line) => {
    if (line.length > MAX_RELAYED_LINE) return 'too-long';
    const level = levelOf(line);
    if (level === undefined || !line.endsWith(LINE_END) || line.indexOf('\n') !== line.length - 1 || line.includes('\r')) return 'malformed';
    if (level < log.levelVal) return 'below-level';
    destination.write(`${line.slice(0, -LINE_END.length)},${appended}"worker":${threadId}}\n`);
    return 'written';
  };
}

/** The numeric level pino writes first on every line; undefined when the line does not start that way. */
function levelOf(line: string): number | undefined {
  if (!line.startsWith(LEVEL_PREFIX)) return undefined;
  let level = 0;
  let i = LEVEL_PREFIX.length;
  for (; i < line.length && i < LEVEL_PREFIX.length + 3; i++) {
    const digit = line.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) break;
    level = level * 10 + digit;
  }
  return i > LEVEL_PREFIX.length && line[i] === ',' ? level : undefined;
}
