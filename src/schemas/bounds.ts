// Size and depth limits checked before schema validation. The walk uses an explicit
// stack, so a value nested 100k levels deep is answered with an issue instead of a
// stack overflow, and it stops at the first limit, so an enormous value costs at
// most `maxNodes` steps.
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
  // Two parallel stacks avoid an allocation per visited value.
  const values: unknown[] = [value];
  const depths: number[] = [0];
  let nodes = 0;
  while (values.length > 0) {
    const v = values.pop();
    const depth = depths.pop()!;
    if (++nodes > maxNodes) return issue('', `at most ${maxNodes} values`, `more than ${maxNodes}`);
    if (depth > maxDepth) return issue('', `nesting depth at most ${maxDepth}`, `deeper than ${maxDepth}`);
    if (typeof v !== 'object' || v === null) continue;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        values.push(v[i]);
        depths.push(depth + 1);
      }
    } else {
      for (const k in v) {
        values.push((v as Record<string, unknown>)[k]);
        depths.push(depth + 1);
      }
    }
  }
  return nodes;
}
