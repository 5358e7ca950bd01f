// Hashes of JSON values for aligning array elements. A collision only makes a
// patch larger, never wrong: aligned elements are diffed, not assumed equal.
// Depth and string sampling keep hashing linear even for huge strings or cyclic
// junk.
import type { JsonObject } from '../../json.ts';

const HASH_DEPTH = 6;
const STRING_SAMPLE = 128;

export function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

export function hashString(s: string): number {
  let h = 0x811c9dc5 ^ s.length;
  const n = s.length;
  const head = n <= 2 * STRING_SAMPLE ? n : STRING_SAMPLE;
  for (let i = 0; i < head; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  for (let i = Math.max(head, n - STRING_SAMPLE); i < n; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

const f64 = new Float64Array(1);
const f64Words = new Uint32Array(f64.buffer);

function hashNumber(n: number): number {
  // -0 | 0 is 0: -0 and 0 are the same JSON number.
  if (Number.isInteger(n) && n >= -0x80000000 && n <= 0x7fffffff) return mix((n | 0) ^ 0x2545f491);
  f64[0] = n;
  return mix((f64Words[0] as number) ^ Math.imul(f64Words[1] as number, 0x9e3779b1));
}

function hashValue(value: unknown, depth: number, stack: object[]): number {
  switch (typeof value) {
    case 'string':
      return hashString(value);
    case 'number':
      return hashNumber(value);
    case 'boolean':
      return value ? 0x1b873593 : 0x2c1b3c6d;
    case 'object': {
      if (value === null) return 0x3cd0eb9d;
      const isArray = Array.isArray(value);
      if (depth === 0 || stack.includes(value)) return isArray ? 0x6a09e667 : 0x3c6ef372;
      stack.push(value);
      let h: number;
      if (isArray) {
        h = 0x510e527f ^ value.length;
        for (const item of value) h = Math.imul(h ^ hashValue(item, depth - 1, stack), 0x01000193);
      } else {
        // A sum, so that member order (meaningless in JSON) does not matter.
        h = 0x1f83d9ab;
        const obj = value as JsonObject;
        for (const key of Object.keys(obj)) {
          const item = obj[key];
          if (item === undefined) continue;
          h = (h + mix(hashString(key) ^ Math.imul(hashValue(item, depth - 1, stack), 0x5bd1e995))) | 0;
        }
      }
      stack.pop();
      return mix(h);
    }
    default:
      return 0x9b05688c;
  }
}

export function hashRange(items: readonly unknown[], from: number, to: number): Int32Array {
  const out = new Int32Array(to - from);
  const stack: object[] = [];
  for (let i = from; i < to; i++) out[i - from] = hashValue(items[i], HASH_DEPTH, stack);
  return out;
}
