// Every field of every log line goes through here: what a handler or a client
// can make large (a 1 MiB uid, a 20 MB string, an object of 100k keys, a cycle)
// is cut to a bounded size with a marker, anything that is a Secret is redacted
// wherever it sits, and an error is reduced to plain fields without trusting
// its getters (one whose `message` throws still gets a line).
import { truncate } from '../truncate.ts';
import { errorMessage } from '../errors.ts';
import { isSecret, redactSecret } from './redact.ts';

export const MAX_LOG_STRING = 4096;
/** Values written for one log line, all fields together. */
export const MAX_LOG_VALUES = 20_000;
const MAX_LOG_DEPTH = 32;
const UNREADABLE = '[unreadable]';

interface Walk {
  budget: number;
  ancestors: Set<object>;
}

/** A bounded, redacted copy of a log line's fields. */
export function sanitizeLogFields(fields: Record<string, unknown>): Record<string, unknown> {
  const walk: Walk = { budget: MAX_LOG_VALUES, ancestors: new Set() };
  return visitEntries(fields, 0, walk);
}

/** The message of an error, or a stand-in when reading it throws. */
export function safeMessage(err: unknown): string {
  return truncate(errorMessage(err), MAX_LOG_STRING);
}

function visit(value: unknown, depth: number, walk: Walk): unknown {
  walk.budget--;
  switch (typeof value) {
    case 'string':
      return truncate(value, MAX_LOG_STRING);
    case 'bigint':
    case 'symbol':
      return value.toString();
    case 'function':
      return undefined;
    case 'object':
      break;
    default:
      return value;
  }
  if (value === null) return null;
  if (depth >= MAX_LOG_DEPTH) return '[nested too deep to log]';
  if (walk.ancestors.has(value)) return '[circular]';
  walk.ancestors.add(value);
  try {
    if (value instanceof Error) return errorFields(value, depth, walk);
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return visit(toJSON.call(value), depth, walk);
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      for (let i = 0; i < value.length; i++) {
        if (walk.budget <= 0) {
          out.push(`[${value.length - i} more items not logged]`);
          break;
        }
        out.push(visit(value[i], depth + 1, walk));
      }
      return out;
    }
    const plain = value as Record<string, unknown>;
    return visitEntries(isSecret(plain) ? redactSecret(plain) : plain, depth + 1, walk);
  } catch {
    return UNREADABLE;
  } finally {
    walk.ancestors.delete(value);
  }
}

function visitEntries(value: Record<string, unknown>, depth: number, walk: Walk): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    if (walk.budget <= 0) {
      out['…'] = `${keys.length - i} more keys not logged`;
      break;
    }
    const key = keys[i]!;
    let field: unknown;
    try {
      field = visit(value[key], depth, walk);
    } catch {
      field = UNREADABLE;
    }
    if (field !== undefined) out[truncate(key, 256)] = field;
  }
  return out;
}

/** An error as plain fields; each read may throw and is then left out or marked. */
function errorFields(err: Error, depth: number, walk: Walk): Record<string, unknown> {
  const read = (get: () => unknown): unknown => {
    try {
      return get();
    } catch {
      return UNREADABLE;
    }
  };
  const out: Record<string, unknown> = {
    type: read(() => err.constructor?.name ?? 'Error'),
    message: safeMessage(err),
  };
  const code = read(() => (err as { code?: unknown }).code);
  if (code !== undefined) out.code = visit(code, depth + 1, walk);
  const stack = read(() => err.stack);
  if (typeof stack === 'string') out.stack = truncate(stack, MAX_LOG_STRING);
  const cause = read(() => err.cause);
  if (cause !== undefined) out.cause = visit(cause, depth + 1, walk);
  return out;
}
