// The JSON limits every review body is held to, and which check holds it to them.
// A body larger than SCAN_ABOVE_BYTES is scanned as it arrives (body-scan.ts):
// one over the limits is never kept, let alone parsed. A smaller one is parsed
// first, and its tree is walked here (measureTree): however it is shaped it
// cannot build more than ~1.4 MB of heap, and the walk costs a fifth of the scan
// (2.8-3.0 against 12.9-13.2 µs for a 5 KB Pod review, each measured alone).
// Nearly every real review is that small (a Pod is ~5 KB): not scanning it took
// ~20 µs of the main thread's ~92 µs per 5 KB review away (bench: kadmit on one
// core, 1 worker). Both checks find the same problem, except that JSON.parse keeps
// only the last of repeated keys, so the walk does not count what it dropped.
import { walkTree, type TreeSize } from '../schemas/bounds.ts';

export interface JsonLimits {
  /** Deepest nesting of any value; the body itself is depth 0, `request.object` depth 2. */
  maxDepth: number;
  /** Most entries in one array or object. */
  maxEntries: number;
  /** Most values in the whole body: objects, arrays, strings, numbers, literals. */
  maxValues: number;
}

// The apiserver stores objects of at most ~1.5 MiB and an UPDATE carries two.
// The schema check bounds each object at depth 128 and 200,000 values, so these
// only stop bodies no real review has: the object check still answers (with its
// 422) anything between the two.
export const DEFAULT_JSON_LIMITS: Readonly<JsonLimits> = Object.freeze({ maxDepth: 256, maxEntries: 200_000, maxValues: 500_000 });

export interface LimitProblem {
  limit: keyof JsonLimits;
  message: string;
}

/**
 * Bodies up to this size are held to the limits after parsing. 64 KiB of the
 * costliest shape (`[{},{},...]`, ~21 bytes of heap per byte) parses into ~1.4 MB.
 */
export const SCAN_ABOVE_BYTES = 64 * 1024;

/** Whether a body of this size is scanned before it is parsed (else its parsed tree is checked). */
export function scannedBeforeParse(byteLength: number): boolean {
  return byteLength > SCAN_ABOVE_BYTES;
}

/**
 * The size of a parsed body within `limits`, counted as the scan counts (every
 * value at its depth, the number of containers around it; entries per
 * container), or undefined once a limit is passed.
 */
export function measureTree(value: unknown, limits: JsonLimits): TreeSize | undefined {
  const size = walkTree(value, limits);
  return typeof size === 'object' ? size : undefined;
}
