// The one log line per review, written as JSON text here instead of through
// pino's generic path (a hook, a copy of the fields through log-fields.ts, a
// walk of every key): that path cost 2.0-2.3 µs a line measured alone, against
// 0.9-1.1 µs for this one, and in a perf profile of the server under load it
// was the main thread's largest cost after TLS and the body scan. The line's
// fields are known scalars, so the bounds log-fields.ts applies are applied
// here (strings cut at MAX_LOG_STRING), and the line is the one pino would write:
// its level, its time, the logger's bindings, then the fields and the message,
// to the logger's own destination. A summary that is not plain scalars (it
// comes back from a worker, which runs handler code) goes through pino instead.
import pino, { type Logger } from 'pino';
import { truncate } from '../truncate.ts';
import { MAX_LOG_STRING } from './log-fields.ts';
import { destinationOf } from './logger.ts';
import type { ReviewSummary } from '../model/outcome.ts';

/** The summary's fields, in the order they are written. */
const SUMMARY_FIELDS = ['decision', 'code', 'uid', 'kind', 'namespace', 'name', 'operation', 'dryRun', 'errorId', 'failure', 'skipped'] as const satisfies readonly (keyof ReviewSummary)[];

export interface ReviewLine {
  webhook: string;
  summary: ReviewSummary;
  abort?: string | undefined;
  durationMs: number;
}

type LineLevel = 'info' | 'debug';

/** Writes review lines to `log`'s destination, at `log`'s level, with its bindings. */
export function reviewLineWriter(log: Logger): (level: LineLevel, line: ReviewLine) => void {
  const internals = log as unknown as Record<symbol, unknown>;
  const destination = destinationOf(log);
  const time = internals[pino.symbols.timeSym] as () => string;
  return (level, line) => {
    if (!log.isLevelEnabled(level)) return;
    const text = reviewLineText(log.levels.values[level]!, time(), internals[pino.symbols.chindingsSym] as string, line);
    if (text !== undefined) destination.write(text);
    else log[level]({ webhook: line.webhook, ...line.summary, ...(line.abort && { abort: line.abort }), durationMs: line.durationMs }, 'review');
  };
}

/** The line as JSON text with its newline; undefined when a field is not a plain scalar. */
export function reviewLineText(level: number, time: string, bindings: string, line: ReviewLine): string | undefined {
  let text = `{"level":${level}${time}${bindings},"webhook":${stringJson(line.webhook)}`;
  const summary = line.summary as unknown as Record<string, unknown>;
  for (const key of SUMMARY_FIELDS) {
    const value = summary[key];
    if (value === undefined) continue;
    const json = scalarJson(value);
    if (json === undefined) return undefined;
    text += `,"${key}":${json}`;
  }
  if (line.abort) text += `,"abort":${stringJson(line.abort)}`;
  return `${text},"durationMs":${scalarJson(line.durationMs)},"msg":"review"}\n`;
}

function scalarJson(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return stringJson(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      return undefined;
  }
}

function stringJson(value: string): string {
  return JSON.stringify(truncate(value, MAX_LOG_STRING));
}
