// The W3C Trace Context headers the apiserver sends when its own tracing is on.
// Parsed strictly and never throwing: a header that is malformed in any way is
// ignored and the review starts a trace of its own.

/** A span as it crosses a boundary (a header, a thread hop): ids in lower-case hex. */
export interface SpanRef {
  traceId: string;
  spanId: string;
  /** The W3C trace flags; bit 0 is "sampled". */
  flags: number;
  /** The tracestate header, passed on as it came (valid or absent). */
  state?: string;
}

const VERSION_00 = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
// A later version may append fields after a dash; its first four fields keep their shape.
const LATER_VERSION = /^(0[1-9a-f]|[1-9a-e][0-9a-f]|f[0-9a-e])-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);
/** Far above a valid header: anything longer is not parsed at all. */
const MAX_TRACEPARENT = 512;
const MAX_TRACESTATE = 512;
const MAX_TRACESTATE_MEMBERS = 32;
const TRACESTATE_KEY = /^([a-z0-9][_0-9a-z\-*/]{0,255}|[a-z0-9][_0-9a-z\-*/]{0,240}@[a-z][_0-9a-z\-*/]{0,13})$/;
const TRACESTATE_VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

export const isValidTraceId = (id: string): boolean => /^[0-9a-f]{32}$/.test(id) && id !== ZERO_TRACE;
export const isValidSpanId = (id: string): boolean => /^[0-9a-f]{16}$/.test(id) && id !== ZERO_SPAN;

/**
 * The parent span a traceparent header names, or undefined when the header is
 * absent or malformed (repeated headers arrive joined, and are malformed too).
 */
export function parseTraceparent(header: unknown, tracestate?: unknown): SpanRef | undefined {
  if (typeof header !== 'string' || header.length > MAX_TRACEPARENT) return undefined;
  const value = header.trim();
  const match = VERSION_00.exec(value) ?? LATER_VERSION.exec(value);
  if (!match) return undefined;
  // Version 00 has no fields after the flags; a later version's groups are shifted by one.
  const [traceId, spanId, flags] = match.length === 4 ? [match[1]!, match[2]!, match[3]!] : [match[2]!, match[3]!, match[4]!];
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  const state = parseTracestate(tracestate);
  return { traceId, spanId, flags: Number.parseInt(flags, 16), ...(state !== undefined && { state }) };
}

/** The tracestate header when every member is well formed; undefined otherwise (the spec drops it whole). */
export function parseTracestate(header: unknown): string | undefined {
  if (typeof header !== 'string' || header.length > MAX_TRACESTATE) return undefined;
  const members = header.split(',').map((m) => m.trim()).filter((m) => m !== '');
  if (members.length === 0 || members.length > MAX_TRACESTATE_MEMBERS) return undefined;
  const keys = new Set<string>();
  for (const member of members) {
    const eq = member.indexOf('=');
    const key = member.slice(0, eq);
    if (eq <= 0 || !TRACESTATE_KEY.test(key) || !TRACESTATE_VALUE.test(member.slice(eq + 1)) || keys.has(key)) return undefined;
    keys.add(key);
  }
  return members.join(',');
}
