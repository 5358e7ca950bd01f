// Scalar formats of the Kubernetes API that JSON types alone do not capture. Each
// leaf says what it accepts and how to describe a miss, so an issue reads
// "expected integer, got string" rather than zod's generic text. The rules follow
// how the API server decodes the value (its Go UnmarshalJSON), not just the spec.

import { QUANTITY_PATTERN } from '../cel/quantity.ts';
import { isBase64, isDateTime, isMicroTime } from '../string-formats.ts';

export interface Leaf {
  test(value: unknown): boolean;
  /** What was expected, for the issue text; may depend on the value (type vs range). */
  expected(value: unknown): string;
  /** JSON types this leaf can accept: a value of another type is reported by its type only. */
  readonly accepts: readonly JsonTypeName[];
  /** Never echo the value (base64 payloads are often Secret data). */
  readonly conceal?: boolean;
}

export type JsonTypeName = 'missing' | 'null' | 'boolean' | 'integer' | 'number' | 'string' | 'array' | 'object';

export function jsonTypeOf(value: unknown): JsonTypeName {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'number':
      return Number.isInteger(value) ? 'integer' : 'number';
    default:
      return 'object';
  }
}

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;
// 2^63 - 1 is not a double: JSON.parse turns it into 2^63, so that is the bound we can check.
const INT64_BOUND = 2 ** 63;

export function isInt32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX;
}

export function isInt64(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= -INT64_BOUND && v <= INT64_BOUND;
}

export const int32: Leaf = {
  test: isInt32,
  expected: (v) => (Number.isInteger(v) ? 'integer in int32 range' : 'integer'),
  accepts: ['integer'],
};

export const int64: Leaf = {
  test: isInt64,
  expected: (v) => (Number.isInteger(v) ? 'integer in int64 range' : 'integer'),
  accepts: ['integer'],
};

// intstr.IntOrString: a JSON string, or a number decoded into an int32.
export function isIntOrString(v: unknown): boolean {
  return typeof v === 'string' || isInt32(v);
}

export const intOrString: Leaf = {
  test: isIntOrString,
  expected: (v) => (Number.isInteger(v) ? 'integer in int32 range or string' : 'integer or string'),
  accepts: ['integer', 'string'],
};

// resource.Quantity grammar (QUANTITY_PATTERN, shared with CEL's quantity()). The
// decoder trims surrounding whitespace and parses a bare JSON number with the same
// grammar, which every finite JSON number satisfies.
export function isQuantity(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v);
  return typeof v === 'string' && QUANTITY_PATTERN.test(v.trim());
}

export const quantity: Leaf = {
  test: isQuantity,
  expected: () => 'quantity (e.g. "500m", "1Gi", 2)',
  accepts: ['string', 'integer', 'number'],
};

// meta/v1.Time: Go parses RFC 3339 with time.RFC3339 (fraction optional); a zero Time
// is written as null, so null is part of the type, not just of optional fields.
export function isTimeOrNull(v: unknown): boolean {
  return v === null || isDateTime(v);
}

export const dateTime: Leaf = {
  test: isTimeOrNull,
  expected: () => 'RFC 3339 date-time',
  accepts: ['string', 'null'],
};

// meta/v1.MicroTime: exactly six fractional digits.
export function isMicroTimeOrNull(v: unknown): boolean {
  return v === null || isMicroTime(v);
}

export const microTime: Leaf = {
  test: isMicroTimeOrNull,
  expected: () => 'RFC 3339 date-time with microseconds',
  accepts: ['string', 'null'],
};

// format: byte (padded standard base64, line breaks skipped as Go does).
export const base64: Leaf = {
  test: isBase64,
  expected: () => 'base64 string',
  accepts: ['string'],
  conceal: true,
};

/** How a value that failed a leaf is shown: its type when the type is wrong, else the value. */
export function describeReceived(value: unknown, leaf?: Pick<Leaf, 'accepts' | 'conceal'>): string {
  const type = jsonTypeOf(value);
  if (leaf === undefined) return type;
  const acceptsType = leaf.accepts.includes(type) || (type === 'integer' && leaf.accepts.includes('number'));
  if (!acceptsType) return type;
  if (leaf.conceal === true && typeof value === 'string') return `string of ${value.length} characters (not shown)`;
  return renderValue(value);
}

const MAX_RENDERED = 40;

export function renderValue(value: unknown): string {
  switch (jsonTypeOf(value)) {
    case 'string': {
      const s = value as string;
      return JSON.stringify(s.length > MAX_RENDERED ? `${s.slice(0, MAX_RENDERED)}…` : s);
    }
    case 'integer':
    case 'number':
    case 'boolean':
      return String(value);
    default:
      return jsonTypeOf(value);
  }
}
