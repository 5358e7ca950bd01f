// How long a review may take. The apiserver states the time it will wait in
// `?timeout=` (a Go duration); the webhook's own timeoutSeconds caps it, and a
// safety margin is kept so that kadmit's answer arrives before the apiserver
// gives up.

export const MIN_TIMEOUT_MS = 1_000;
export const MAX_TIMEOUT_MS = 30_000;

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const GO_DURATION = /^(?:(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/;
const GO_DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;

// The apiserver sends the same `?timeout=` on every call of a webhook: the last one is remembered.
let lastText: string | undefined;
let lastMs: number | undefined;

/** Parses a Go duration string (`10s`, `1.5s`, `500ms`, `1m30s`) into ms; undefined if it is not one. */
export function parseGoDuration(text: string): number | undefined {
  if (text !== lastText) {
    lastMs = parse(text);
    lastText = text;
  }
  return lastMs;
}

function parse(text: string): number | undefined {
  if (text === '0') return 0;
  let sign = 1;
  let body = text;
  if (body.startsWith('-') || body.startsWith('+')) {
    sign = body.startsWith('-') ? -1 : 1;
    body = body.slice(1);
  }
  if (!GO_DURATION.test(body)) return undefined;
  let total = 0;
  for (const match of body.matchAll(GO_DURATION_PART)) total += Number(match[1]) * UNIT_MS[match[2]!]!;
  return sign * total;
}

export interface Budget {
  /** The time the handler may use, in ms, margin already taken off. */
  budgetMs: number;
  /** The apiserver's timeout as kadmit understood it, before the margin. */
  timeoutMs: number;
  /** Set when `?timeout=` was missing or unusable and the webhook's own timeout was used. */
  fallback?: 'missing' | 'malformed' | 'out-of-range';
}

/**
 * The handler's budget: the earlier of `?timeout=` and the webhook's timeoutSeconds,
 * minus the margin, but never less than half of the timeout (a 1 s webhook still
 * gets 500 ms to decide).
 */
export function reviewBudget(timeoutParam: string | undefined, webhookTimeoutSeconds: number, marginMs: number): Budget {
  const webhookMs = webhookTimeoutSeconds * 1_000;
  let timeoutMs = webhookMs;
  let fallback: Budget['fallback'];
  if (timeoutParam === undefined || timeoutParam === '') fallback = 'missing';
  else {
    const parsed = parseGoDuration(timeoutParam);
    if (parsed === undefined) fallback = 'malformed';
    else if (parsed <= 0 || parsed > MAX_TIMEOUT_MS) fallback = 'out-of-range';
    else timeoutMs = Math.min(parsed, webhookMs);
  }
  timeoutMs = Math.min(Math.max(timeoutMs, fallback ? MIN_TIMEOUT_MS : 1), MAX_TIMEOUT_MS);
  const budgetMs = Math.max(timeoutMs - marginMs, timeoutMs / 2);
  return fallback ? { budgetMs, timeoutMs, fallback } : { budgetMs, timeoutMs };
}
