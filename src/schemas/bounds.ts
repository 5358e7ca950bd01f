// Size and depth limits checked before schema validation, and the one walk of
// parsed JSON for its size (walkTree), which a request body's JSON limits use too
// (admission/json-limits.ts). The walk uses an explicit stack, so a value nested
// 100k levels deep is answered with an issue instead of a stack overflow, and it
// stops at the first limit, so an enormous value costs at most `maxNodes` steps.
import { issue } from './issues.ts';
import type { SchemaIssue } from './issues.ts';

export interface Bounds {
  /** Deepest nesting of arrays/objects; the value itself is depth 0. */
  maxDepth: number;
  /** Values counted: every object, array and scalar, keys not included. */
  maxNodes: number;
}

// Kubernetes objects are shallow: a Pod with managedFields nests ~15 levels, large CRD
// schemas ~60. A stored object is at most ~1.5 MiB, and 200k values is that much of
// the tiniest entries; the costliest shape at the limit (a 200k-key map) checks in
// ~0.2 s of CPU, arrays and typical objects far less (bench/schema-validate.ts).
export const DEFAULT_BOUNDS: Readonly<Bounds> = Object.freeze({ maxDepth: 128, maxNodes: 200_000 });

/** `null` when `value` is within bounds, else the issue to report (path `''`). */
export function checkBounds(value: unknown, bounds: Bounds = DEFAULT_BOUNDS): SchemaIssue | null {
  const n = countNodes(value, bounds);
  return typeof n === 'number' ? null : n;
}

/** The number of values in `value`, or the issue when it exceeds `bounds`. */
export function countNodes(value: unknown, bounds: Bounds): number | SchemaIssue {
  const { maxDepth, maxNodes } = bounds;
  const size = walkTree(value, { maxDepth, maxValues: maxNodes, maxEntries: Infinity });
  if (typeof size === 'object') return size.values;
  // No entry limit here: 'values' or 'depth'.
  return size === 'values' ? issue('', `at most ${maxNodes} values`, `more than ${maxNodes}`) : issue('', `nesting depth at most ${maxDepth}`, `deeper than ${maxDepth}`);
}

export interface TreeLimits {
  /** Deepest a value may sit: the number of arrays and objects around it. */
  maxDepth: number;
  /** Values in all: every object, array and scalar, keys not included. */
  maxValues: number;
  /** Entries in one array or object. */
  maxEntries: number;
}

/** A tree's values, and the depth of its deepest value. */
export interface TreeSize {
  values: number;
  depth: number;
}

/** The limit a tree passed. */
export type TreeLimit = 'values' | 'depth' | 'entries';

/**
 * The size of `value` within `limits`, or the limit it passes first (values are
 * counted before their depth is checked). The one walk of parsed JSON for its
 * size: the schema check's bounds and a request body's JSON limits.
 */
export function walkTree(value: unknown, limits: TreeLimits): TreeSize | TreeLimit {
  const { maxDepth, maxValues, maxEntries } = limits;
  // Two parallel stacks avoid an allocation per visited value.
  const values: unknown[] = [value];
  const depths: number[] = [0];
  let seen = 0;
  let deepest = 0;
  while (values.length > 0) {
    const v = values.pop();
    const depth = depths.pop()!;
    if (++seen > maxValues) return 'values';
    if (depth > maxDepth) return 'depth';
    if (depth > deepest) deepest = depth;
    if (typeof v !== 'object' || v === null) continue;
    if (Array.isArray(v)) {
      if (v.length > maxEntries) return 'entries';
      for (let i = 0; i < v.length; i++) {
        values.push(v[i]);
        depths.push(depth + 1);
      }
      continue;
    }
    let entries = 0;
    for (const k in v) {
      if (++entries > maxEntries) return 'entries';
      values.push((v as Record<string, unknown>)[k]);
      depths.push(depth + 1);
    }
  }
  return { values: seen, depth: deepest };
}
