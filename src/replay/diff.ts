// JSON equality and a short list of where two JSON values differ, so a failed
// expectation shows the place and both values instead of two large blobs.
import { formatPointer, type PathSegment } from '../admission/json-pointer.ts';
import { isObject } from '../json.ts';

/** Marks a member that is not there at all (as opposed to null). */
export const ABSENT: unique symbol = Symbol('absent');
type Maybe = unknown | typeof ABSENT;

export interface Difference {
  /** JSON pointer; "" is the whole value. */
  path: string;
  expected: Maybe;
  actual: Maybe;
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  return differences(a, b, 1).length === 0;
}

export function differences(expected: unknown, actual: unknown, limit = 5): Difference[] {
  const out: Difference[] = [];
  walk(expected, actual, [], out, limit);
  return out;
}

function walk(expected: Maybe, actual: Maybe, segs: PathSegment[], out: Difference[], limit: number): void {
  if (out.length >= limit) return;
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const n = Math.max(expected.length, actual.length);
    for (let i = 0; i < n && out.length < limit; i++) {
      segs.push(i);
      walk(i < expected.length ? expected[i] : ABSENT, i < actual.length ? actual[i] : ABSENT, segs, out, limit);
      segs.pop();
    }
    return;
  }
  if (isObject(expected) && isObject(actual)) {
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const key of keys) {
      if (out.length >= limit) return;
      segs.push(key);
      walk(Object.hasOwn(expected, key) ? expected[key] : ABSENT, Object.hasOwn(actual, key) ? actual[key] : ABSENT, segs, out, limit);
      segs.pop();
    }
    return;
  }
  if (expected !== actual) out.push({ path: formatPointer(segs), expected, actual });
}

/** One-line JSON for messages, cut to `max` characters. */
export function preview(value: Maybe, max = 160): string {
  if (value === ABSENT || value === undefined) return '(absent)';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

export function describeDifferences(diffs: readonly Difference[]): string {
  return diffs.map((d) => `at ${d.path === '' ? '(root)' : d.path}: expected ${preview(d.expected)}, got ${preview(d.actual)}`).join('; ');
}
