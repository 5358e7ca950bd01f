// Reading objects that came off the wire. Schema validation runs first, but a
// policy must not crash on what it failed to foresee (a `null` where a list was
// expected, a string where an object was): these helpers answer "absent".
import { isObject, type JsonObject } from '../../json.ts';

export type Obj = JsonObject;

/** The object at `keys` below `value`, or undefined when any step is not an object. */
export function objectAt(value: unknown, ...keys: readonly string[]): Obj | undefined {
  let current: unknown = value;
  for (const key of keys) {
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return isObject(current) ? current : undefined;
}

/** The objects in a list field with their indexes; non-lists and non-object items read as absent. */
export function objectsIn(list: unknown): { item: Obj; index: number }[] {
  if (!Array.isArray(list)) return [];
  const out: { item: Obj; index: number }[] = [];
  list.forEach((item, index) => {
    if (isObject(item)) out.push({ item, index });
  });
  return out;
}

/**
 * The object under `key` for writing: the existing one, a new one when the
 * field is unset, or undefined when it holds something else (never clobbered).
 */
export function writableObject(parent: Obj, key: string): Obj | undefined {
  const existing = parent[key];
  if (isObject(existing)) return existing;
  if (existing !== undefined && existing !== null) return undefined;
  const created: Obj = {};
  parent[key] = created;
  return created;
}

/** Unset as Kubernetes reads it: absent or null (the API treats an explicit null as omitted). */
export function isUnset(value: unknown): boolean {
  return value === undefined || value === null;
}

/** JSON-level equality, for "did the pod spec change" questions. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bl = b as unknown[];
    return a.length === bl.length && a.every((v, i) => sameJson(v, bl[i]));
  }
  const ak = Object.keys(a as Obj).filter((k) => (a as Obj)[k] !== undefined);
  const bk = Object.keys(b as Obj).filter((k) => (b as Obj)[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => Object.hasOwn(b as Obj, k) && sameJson((a as Obj)[k], (b as Obj)[k]));
}
