// Checking, copying and comparing the JSON values that go into or come out of
// a patch: JSON semantics (members set to undefined are absent), and anything
// JSON cannot hold (functions, NaN, Dates, Maps, cycles, array holes) is an
// error naming where it is.
import { KadmitError } from '../../errors.ts';
import { isPlainObject, type JsonObject } from '../../json.ts';
import { formatJsonPath } from '../../json-path.ts';
import type { PathSegment } from '../json-pointer.ts';

// Where a walk is (for pointers and error messages) and which containers it is
// inside (to turn a cycle into an error instead of a stack overflow).
export interface JsonWalk {
  segs: PathSegment[];
  ancestors: Set<object>;
}

// `obj[key] = v` would call the prototype setter for `__proto__`.
export function setOwn(obj: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

function describeNonJson(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'object' && value !== null) {
    const ctor: unknown = (Object.getPrototypeOf(value) as { constructor?: unknown } | null)?.constructor;
    return typeof ctor === 'function' && ctor.name !== '' ? `a ${ctor.name}` : 'a non-plain object';
  }
  return typeof value;
}

function notJson(walk: JsonWalk, what: string): KadmitError {
  return new KadmitError('KADMIT_PATCH_NOT_JSON', `${formatJsonPath(walk.segs, '(root)')} is not JSON: ${what}`);
}

function enter(container: object, walk: JsonWalk): void {
  if (walk.ancestors.has(container)) throw notJson(walk, 'a cycle');
  walk.ancestors.add(container);
}

// What a value is as JSON; undefined for what JSON cannot hold (functions,
// symbols, bigints, NaN and the infinities, Dates, Maps, class instances).
function jsonKind(value: unknown): 'scalar' | 'array' | 'object' | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return 'scalar';
    case 'number':
      return Number.isFinite(value) ? 'scalar' : undefined;
    case 'object':
      if (value === null) return 'scalar';
      if (Array.isArray(value)) return 'array';
      return isPlainObject(value) ? 'object' : undefined;
    default:
      return undefined;
  }
}

// Validates a value that is about to go into a patch and returns it, or a copy
// without its `undefined` members (absent, as in JSON.stringify) if it has any.
// Clean values are returned as is: ops share structure with `after`.
export function checkJson(value: unknown, walk: JsonWalk): unknown {
  switch (jsonKind(value)) {
    case 'scalar':
      return value;
    case 'array':
      return checkArray(value as readonly unknown[], walk);
    case 'object':
      return checkObject(value as JsonObject, walk);
  }
  throw notJson(walk, describeNonJson(value));
}

function checkArray(arr: readonly unknown[], walk: JsonWalk): readonly unknown[] {
  enter(arr, walk);
  let out: unknown[] | undefined;
  for (let i = 0; i < arr.length; i++) {
    const item = arr[i]; // a hole reads as undefined and is rejected like one
    walk.segs.push(i);
    const clean = checkJson(item, walk);
    walk.segs.pop();
    if (out !== undefined) out.push(clean);
    else if (clean !== item) (out = arr.slice(0, i)).push(clean);
  }
  walk.ancestors.delete(arr);
  return out ?? arr;
}

function checkObject(obj: JsonObject, walk: JsonWalk): JsonObject {
  enter(obj, walk);
  const keys = Object.keys(obj);
  let out: JsonObject | undefined;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const item = obj[key];
    if (item === undefined) {
      out ??= copyMembers(obj, keys, i);
      continue;
    }
    walk.segs.push(key);
    const clean = checkJson(item, walk);
    walk.segs.pop();
    if (out === undefined && clean !== item) out = copyMembers(obj, keys, i);
    if (out !== undefined) setOwn(out, key, clean);
  }
  walk.ancestors.delete(obj);
  return out ?? obj;
}

function copyMembers(obj: JsonObject, keys: readonly string[], count: number): JsonObject {
  const out: JsonObject = {};
  for (let i = 0; i < count; i++) setOwn(out, keys[i] as string, obj[keys[i] as string]);
  return out;
}

// A deep copy with the same checks as checkJson, for the applier (which must
// neither mutate its input nor alias operation values into its result).
export function copyJson(value: unknown, walk: JsonWalk): unknown {
  switch (jsonKind(value)) {
    case 'scalar':
      return value;
    case 'array': {
      const arr = value as readonly unknown[];
      enter(arr, walk);
      const out: unknown[] = new Array<unknown>(arr.length);
      for (let i = 0; i < arr.length; i++) {
        walk.segs.push(i);
        out[i] = copyJson(arr[i], walk);
        walk.segs.pop();
      }
      walk.ancestors.delete(arr);
      return out;
    }
    case 'object': {
      const obj = value as JsonObject;
      enter(obj, walk);
      const out: JsonObject = {};
      for (const key of Object.keys(obj)) {
        const item = obj[key];
        if (item === undefined) continue;
        walk.segs.push(key);
        setOwn(out, key, copyJson(item, walk));
        walk.segs.pop();
      }
      walk.ancestors.delete(obj);
      return out;
    }
  }
  throw notJson(walk, describeNonJson(value));
}

// JSON equality of a JSON value `a` (not checked: it is parsed JSON or a
// copy) and an arbitrary value `b`: `b` counts as equal only if it is JSON too
// (a Map with no entries is not `{}`), and its `undefined` members count as
// absent. Recursion is bounded by `a`, so a cycle in `b` cannot loop.
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b) || !isPlainObject(b)) return false;
  const aObj = a as JsonObject;
  const aKeys = Object.keys(aObj);
  const bKeys = Object.keys(b);
  if (bKeys.length < aKeys.length) return false;
  for (const key of aKeys) {
    if (!Object.hasOwn(b, key) || !jsonEqual(aObj[key], b[key])) return false;
  }
  if (bKeys.length === aKeys.length) return true;
  // Extra members in `b` are fine only if they are undefined.
  let defined = 0;
  for (const key of bKeys) if (b[key] !== undefined) defined++;
  return defined === aKeys.length;
}
