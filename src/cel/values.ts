// Equality and ordering of CEL values as the Kubernetes libraries need them
// (lists.indexOf, sets.*, isSorted, min/max). Values are what the evaluator
// hands to functions: bigint (int), number (double), string, boolean, null,
// Uint8Array (bytes), arrays (lists), plain objects or Maps (maps), Date
// (timestamp) and library types. Numbers compare across int and double, as CEL's
// cross-type numeric comparisons do.
import { celError } from './errors.ts';

function isMapValue(v: unknown): v is Record<string, unknown> | Map<unknown, unknown> {
  return v instanceof Map || (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype) || (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === null);
}

function entriesOf(v: Record<string, unknown> | Map<unknown, unknown>): Array<[unknown, unknown]> {
  return v instanceof Map ? [...v.entries()] : Object.entries(v);
}

function isNumeric(v: unknown): v is number | bigint {
  return typeof v === 'number' || typeof v === 'bigint';
}

/** Library types (quantity, IP, ...) define their own equality. */
export interface CelEquatable {
  celEquals(other: unknown): boolean;
}

function isEquatable(v: unknown): v is CelEquatable {
  return typeof v === 'object' && v !== null && typeof (v as Partial<CelEquatable>).celEquals === 'function';
}

export function celEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isNumeric(a) && isNumeric(b)) return Number(a) === Number(b) && (typeof a !== 'bigint' || typeof b !== 'bigint' || a === b);
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && a.every((x, i) => x === b[i]);
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => celEquals(x, b[i]));
  if (isEquatable(a)) return a.celEquals(b);
  if (isMapValue(a) && isMapValue(b)) {
    const ea = entriesOf(a);
    const eb = entriesOf(b);
    if (ea.length !== eb.length) return false;
    return ea.every(([k, v]) => eb.some(([k2, v2]) => celEquals(k, k2) && celEquals(v, v2)));
  }
  return false;
}

/** Orders two values of one comparable type (numbers, strings, booleans, bytes, timestamps); throws for others. */
export function celCompare(a: unknown, b: unknown): number {
  if (isNumeric(a) && isNumeric(b)) {
    if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
    return Number(a) < Number(b) ? -1 : Number(a) > Number(b) ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (a instanceof Date && b instanceof Date) return Math.sign(a.getTime() - b.getTime());
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b);
  throw celError(`no such overload: comparison of ${celTypeName(a)} and ${celTypeName(b)}`);
}

export function celTypeName(v: unknown): string {
  if (v === null) return 'null_type';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'double';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof Date) return 'google.protobuf.Timestamp';
  if (Array.isArray(v)) return 'list';
  if (isMapValue(v)) return 'map';
  return (v as object).constructor?.name ?? 'unknown';
}

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

export function checkedInt(v: bigint): bigint {
  if (v < INT64_MIN || v > INT64_MAX) throw celError('integer overflow');
  return v;
}
