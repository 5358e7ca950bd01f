// `--log-format pretty`: the logger's JSON lines, already bounded and redacted by
// log-fields.ts, rewritten for a person at a terminal:
//   12:04:31.207 INFO  review  uid=705a… webhook=pods.example kind=v1/Pod decision=allowed
// The fields that name a review come first, in a fixed order; the rest follow as
// written. Anything a client sent is escaped, so a uid holding a newline or a
// terminal escape sequence cannot forge a line or recolour the screen.
import pino from 'pino';

/** The fields a handler's log is bound to (see the pipeline), shown first. */
const REVIEW_FIELDS = ['uid', 'webhook', 'kind', 'namespace', 'name', 'operation'] as const;
/** Written by the logger on every line; a terminal reader does not need them. */
const OMITTED = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname']);
const LEVEL_COLORS: Record<string, string> = { trace: '90', debug: '36', info: '32', warn: '33', error: '31', fatal: '35' };
const BARE_VALUE = /^[\w.:/@+\-,]+$/;
// C0 and C1 controls (ESC starts a terminal escape) and the JSON line separators.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export interface PrettyOptions {
  /** ANSI colours on the level (a terminal that is not told NO_COLOR). */
  colors: boolean;
}

/** A pino destination that writes pretty lines to `out`. */
export function prettyDestination(out: { write(text: string): unknown }, options: PrettyOptions): { write(line: string): void } {
  return { write: (line: string) => void out.write(prettyLine(line, options)) };
}

/** One JSON log line as a human line (with its newline); a line that is not JSON is passed on escaped. */
export function prettyLine(line: string, options: PrettyOptions): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return `${escapeText(line.trimEnd())}\n`;
  }
  const label = pino.levels.labels[Number(entry.level)] ?? String(entry.level);
  const levelText = label.toUpperCase().padEnd(5);
  const parts = [clock(entry.time), options.colors ? `\u001b[${LEVEL_COLORS[label] ?? '0'}m${levelText}\u001b[0m` : levelText, escapeText(String(entry.msg ?? ''))];
  const keys = [...REVIEW_FIELDS.filter((k) => k in entry), ...Object.keys(entry).filter((k) => !OMITTED.has(k) && !(REVIEW_FIELDS as readonly string[]).includes(k))];
  const pairs = keys.filter((k) => k !== 'err').map((k) => `${escapeText(k)}=${formatValue(entry[k])}`);
  const text = [...parts, ...pairs].join(' ');
  return `${text}${errorText(entry.err)}\n`;
}

function clock(time: unknown): string {
  // isoTime: 2026-12-06T03:04:05.678Z; the date is rarely needed at a terminal.
  return typeof time === 'string' && time.length >= 24 ? time.slice(11, 23) : String(time ?? '');
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return value !== '' && BARE_VALUE.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

function escapeText(text: string): string {
  return CONTROL.test(text) ? JSON.stringify(text) : text;
}

/** An error's message beside the line, its stack indented under it. */
function errorText(err: unknown): string {
  if (err === undefined) return '';
  if (typeof err !== 'object' || err === null) return ` err=${formatValue(err)}`;
  const { message, stack, ...rest } = err as Record<string, unknown>;
  const more = Object.keys(rest).filter((k) => k !== 'type').map((k) => ` err.${escapeText(k)}=${formatValue(rest[k])}`).join('');
  const head = ` err=${formatValue(message ?? '')}${more}`;
  if (typeof stack !== 'string') return head;
  const frames = stack.split('\n').slice(1).map((l) => `\n    ${escapeText(l.trim())}`).join('');
  return head + frames;
}
