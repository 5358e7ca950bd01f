// RFC 6902 JSON Patch for mutating webhooks: the diff from the raw incoming
// object to the handler's copy, an applier (tests, `kadmit replay`), and the
// wire encoding. The diff reads the raw object, never a typed model, so fields
// a handler did not touch (unknown ones included) never appear in the patch.
import { Buffer } from 'node:buffer';
import { KadmitError } from '../errors.ts';
import { formatDisplayPath, formatPointer, parsePointer } from './json-pointer.ts';
import type { PathSegment } from './json-pointer.ts';

export type PatchOperation =
  | { op: 'add'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'replace'; path: string; value: unknown }
  | { op: 'move'; from: string; path: string }
  | { op: 'copy'; from: string; path: string }
  | { op: 'test'; path: string; value: unknown };

type JsonObject = Record<string, unknown>;

// Where a walk is (for pointers and error messages) and which containers it is
// inside (to turn a cycle into an error instead of a stack overflow).
interface JsonWalk {
  segs: PathSegment[];
  ancestors: Set<object>;
}

interface DiffWalk extends JsonWalk {
  ops: PatchOperation[];
}

// ---------------------------------------------------------------------------
// JSON values

// Plain objects only: a Date, Map or class instance would be serialised lossily
// (or not at all) by JSON.stringify. A null-prototype root covers
// Object.create(null) and objects from another realm.
function isPlainObject(value: object): value is JsonObject {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype || Object.getPrototypeOf(proto) === null;
}

// `obj[key] = v` would call the prototype setter for `__proto__`.
function setOwn(obj: JsonObject, key: string, value: unknown): void {
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
  return new KadmitError('KADMIT_PATCH_NOT_JSON', `${formatDisplayPath(walk.segs)} is not JSON: ${what}`);
}

function enter(container: object, walk: JsonWalk): void {
  if (walk.ancestors.has(container)) throw notJson(walk, 'a cycle');
  walk.ancestors.add(container);
}

// Validates a value that is about to go into a patch and returns it, or a copy
// without its `undefined` members (absent, as in JSON.stringify) if it has any.
// Clean values are returned as is: ops share structure with `after`.
function checkJson(value: unknown, walk: JsonWalk): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Number.isFinite(value)) return value;
      break;
    case 'object':
      if (value === null) return null;
      if (Array.isArray(value)) return checkArray(value, walk);
      if (isPlainObject(value)) return checkObject(value, walk);
      break;
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
function copyJson(value: unknown, walk: JsonWalk): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Number.isFinite(value)) return value;
      break;
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) {
        enter(value, walk);
        const out: unknown[] = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i++) {
          walk.segs.push(i);
          out[i] = copyJson(value[i], walk);
          walk.segs.pop();
        }
        walk.ancestors.delete(value);
        return out;
      }
      if (isPlainObject(value)) {
        enter(value, walk);
        const out: JsonObject = {};
        for (const key of Object.keys(value)) {
          const item = value[key];
          if (item === undefined) continue;
          walk.segs.push(key);
          setOwn(out, key, copyJson(item, walk));
          walk.segs.pop();
        }
        walk.ancestors.delete(value);
        return out;
      }
      break;
    }
  }
  throw notJson(walk, describeNonJson(value));
}

// JSON equality of a JSON value `a` (not checked: it is parsed JSON or a
// copy) and an arbitrary value `b`: `b` counts as equal only if it is JSON too
// (a Map with no entries is not `{}`), and its `undefined` members count as
// absent. Recursion is bounded by `a`, so a cycle in `b` cannot loop.
function jsonEqual(a: unknown, b: unknown): boolean {
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

// ---------------------------------------------------------------------------
// Hashes for aligning array elements. A collision only makes a patch larger,
// never wrong: aligned elements are diffed, not assumed equal. Depth and string
// sampling keep hashing linear even for huge strings or cyclic junk.

const HASH_DEPTH = 6;
const STRING_SAMPLE = 128;

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

function hashString(s: string): number {
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

function hashRange(items: readonly unknown[], from: number, to: number): Int32Array {
  const out = new Int32Array(to - from);
  const stack: object[] = [];
  for (let i = from; i < to; i++) out[i - from] = hashValue(items[i], HASH_DEPTH, stack);
  return out;
}

// ---------------------------------------------------------------------------
// Array alignment: Myers' O((N+M)D) shortest edit script on element hashes,
// given up once D passes a budget (a reversal has D = 2N), so the cost stays
// O((N+M) * maxD) time and O(maxD^2) memory whatever the input.

const ALIGN_MAX_D = 256;
const ALIGN_WORK = 2_000_000;

// Pairs (x, y) of matched positions, ascending, flattened; null if over budget.
function align(bk: Int32Array, ak: Int32Array): number[] | null {
  const n = bk.length;
  const m = ak.length;
  const maxD = Math.min(n + m, ALIGN_MAX_D, Math.max(16, Math.floor(ALIGN_WORK / (n + m))));
  const off = maxD + 1;
  // v[off + k]: furthest x reached on diagonal k = x - y; -1 when unreachable.
  const v = new Int32Array(2 * maxD + 3).fill(-1);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= maxD; d++) {
    for (let k = -d; k <= d; k += 2) {
      let x = 0;
      if (d > 0) {
        x = step(v, off, d - 1, k, n, m);
        if (x < 0) {
          v[off + k] = -1;
          continue;
        }
      }
      let y = x - k;
      while (x < n && y < m && bk[x] === ak[y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x === n && y === m) return backtrack(trace, d, n, m, bk, ak);
    }
    trace.push(v.slice(off - d, off + d + 1));
  }
  return null;
}

// The x where diagonal k starts at edit d+1, coming from d's furthest points:
// down from k+1 (insert after[y]) or right from k-1 (delete before[x]).
// `row` is indexed by diagonal + `off`. Returns -1 if neither is in bounds.
function step(row: Int32Array, off: number, d: number, k: number, n: number, m: number): number {
  const down = k + 1 <= d ? (row[off + k + 1] as number) : -1;
  const right = k - 1 >= -d ? (row[off + k - 1] as number) : -1;
  const downX = down >= 0 && down - k <= m ? down : -1;
  const rightX = right >= 0 && right < n ? right + 1 : -1;
  return downX >= rightX ? downX : rightX;
}

function backtrack(trace: Int32Array[], dEnd: number, n: number, m: number, bk: Int32Array, ak: Int32Array): number[] {
  const rev: number[] = [];
  let x = n;
  let y = m;
  for (let d = dEnd; d > 0; d--) {
    const k = x - y;
    const prev = trace[d - 1] as Int32Array; // diagonals -(d-1)..d-1 at offset d-1
    const startX = step(prev, d - 1, d - 1, k, n, m);
    while (x > startX) {
      x--;
      y--;
      rev.push(y, x);
    }
    // Undo the single edit that led onto diagonal k.
    const down = k + 1 <= d - 1 ? (prev[d - 1 + k + 1] as number) : -1;
    if (startX === down && down - k <= m) y--;
    else x--;
  }
  while (x > 0 && y > 0 && bk[x - 1] === ak[y - 1]) {
    x--;
    y--;
    rev.push(y, x);
  }
  rev.reverse();
  return rev;
}

// ---------------------------------------------------------------------------
// Diff

function emit(walk: DiffWalk, op: 'add' | 'replace', value: unknown): void {
  const path = formatPointer(walk.segs);
  walk.ops.push({ op, path, value: checkJson(value, walk) });
}

function diffValue(before: unknown, after: unknown, walk: DiffWalk): void {
  if (before === after) return;
  if (typeof before === 'object' && typeof after === 'object' && before !== null && after !== null) {
    const beforeIsArray = Array.isArray(before);
    if (beforeIsArray && Array.isArray(after)) return diffArray(before, after, walk);
    if (!beforeIsArray && !Array.isArray(after) && isPlainObject(before) && isPlainObject(after)) {
      return diffObject(before, after, walk);
    }
  }
  emit(walk, 'replace', after);
}

function diffObject(before: JsonObject, after: JsonObject, walk: DiffWalk): void {
  for (const key of Object.keys(before)) {
    walk.segs.push(key);
    const value = Object.hasOwn(after, key) ? after[key] : undefined;
    if (value === undefined) walk.ops.push({ op: 'remove', path: formatPointer(walk.segs) });
    else diffValue(before[key], value, walk);
    walk.segs.pop();
  }
  for (const key of Object.keys(after)) {
    const value = after[key];
    if (value === undefined || Object.hasOwn(before, key)) continue;
    walk.segs.push(key);
    emit(walk, 'add', value);
    walk.segs.pop();
  }
}

// Indexes in emitted paths are positions in the array as it is while the ops
// are applied in order; walking left to right, that position is always the
// element's index in `after`, so the walk's path doubles as the error path.
function diffArray(before: readonly unknown[], after: readonly unknown[], walk: DiffWalk): void {
  let start = 0;
  const shorter = Math.min(before.length, after.length);
  while (start < shorter && jsonEqual(before[start], after[start])) start++;
  let bEnd = before.length;
  let aEnd = after.length;
  while (bEnd > start && aEnd > start && jsonEqual(before[bEnd - 1], after[aEnd - 1])) {
    bEnd--;
    aEnd--;
  }
  const span: Span = { before, after, b0: start, b1: bEnd, a0: start, a1: aEnd };
  if (bEnd - start === 0 || aEnd - start === 0 || (bEnd - start === 1 && aEnd - start === 1)) {
    return diffByPosition(span, walk);
  }
  const bHash = hashRange(before, start, bEnd);
  const aHash = hashRange(after, start, aEnd);
  const pairs = align(bHash, aHash);
  const hashes = { bHash, aHash, base: start };
  if (pairs === null) return diffByName(span, hashes, walk);
  diffAligned(span, pairs, walk, (run) => diffByName(run, hashes, walk));
}

// Ranges [b0, b1) of `before` and [a0, a1) of `after` to turn into each other.
interface Span {
  before: readonly unknown[];
  after: readonly unknown[];
  b0: number;
  b1: number;
  a0: number;
  a1: number;
}

interface SpanHashes {
  bHash: Int32Array;
  aHash: Int32Array;
  base: number; // array index of hash 0 on both sides
}

function diffAligned(span: Span, pairs: readonly number[], walk: DiffWalk, onGap: (gap: Span) => void): void {
  let b = span.b0;
  let a = span.a0;
  for (let p = 0; p < pairs.length; p += 2) {
    const bi = span.b0 + (pairs[p] as number);
    const ai = span.a0 + (pairs[p + 1] as number);
    if (bi > b || ai > a) onGap({ ...span, b0: b, b1: bi, a0: a, a1: ai });
    walk.segs.push(ai);
    diffValue(span.before[bi], span.after[ai], walk);
    walk.segs.pop();
    b = bi + 1;
    a = ai + 1;
  }
  if (span.b1 > b || span.a1 > a) onGap({ ...span, b0: b, b1: span.b1, a0: a, a1: span.a1 });
}

// Elements left unmatched by value get a second chance to pair up by `name`,
// the merge key of most Kubernetes lists: injecting a sidecar at the front
// while editing every container is then one add plus per-container edits.
// Unnamed elements keep their value hash.
function diffByName(span: Span, hashes: SpanHashes, walk: DiffWalk): void {
  const bLen = span.b1 - span.b0;
  const aLen = span.a1 - span.a0;
  if (bLen > 0 && aLen > 0 && !(bLen === 1 && aLen === 1)) {
    const bKeys = nameKeys(span.before, span.b0, span.b1, hashes.bHash, hashes.base);
    const aKeys = nameKeys(span.after, span.a0, span.a1, hashes.aHash, hashes.base);
    if (bKeys !== null && aKeys !== null) {
      const pairs = align(bKeys, aKeys);
      if (pairs !== null) return diffAligned(span, pairs, walk, (gap) => diffByPosition(gap, walk));
    }
  }
  diffByPosition(span, walk);
}

// Null when no element has a name (the value hashes already failed to align).
function nameKeys(items: readonly unknown[], from: number, to: number, hash: Int32Array, base: number): Int32Array | null {
  const out = new Int32Array(to - from);
  let named = false;
  for (let i = from; i < to; i++) {
    const item = items[i];
    const name =
      typeof item === 'object' && item !== null && !Array.isArray(item) && Object.hasOwn(item, 'name')
        ? (item as JsonObject).name
        : undefined;
    if (typeof name === 'string') {
      out[i - from] = mix(hashString(name) ^ 0x7f4a7c15);
      named = true;
    } else {
      out[i - from] = hash[i - base] as number;
    }
  }
  return named ? out : null;
}

// Pair elements index by index, then remove the extra old ones (highest index
// first, so each index is still right when its op applies) or add the new ones.
function diffByPosition(span: Span, walk: DiffWalk): void {
  const bLen = span.b1 - span.b0;
  const aLen = span.a1 - span.a0;
  const paired = Math.min(bLen, aLen);
  for (let i = 0; i < paired; i++) {
    walk.segs.push(span.a0 + i);
    diffValue(span.before[span.b0 + i], span.after[span.a0 + i], walk);
    walk.segs.pop();
  }
  for (let i = bLen - 1; i >= paired; i--) {
    walk.segs.push(span.a0 + i);
    walk.ops.push({ op: 'remove', path: formatPointer(walk.segs) });
    walk.segs.pop();
  }
  for (let i = paired; i < aLen; i++) {
    walk.segs.push(span.a0 + i);
    emit(walk, 'add', span.after[span.a0 + i]);
    walk.segs.pop();
  }
}

/**
 * The RFC 6902 patch that turns `before` (a parsed JSON document, e.g. the raw
 * object of an AdmissionReview) into `after` (the handler's changed copy).
 * `after` follows JSON semantics: members set to `undefined` are absent; any
 * other non-JSON value (function, symbol, bigint, NaN, Infinity, Date, Map,
 * class instance, cycle, array hole) throws KADMIT_PATCH_NOT_JSON naming its
 * path. Subtrees shared by reference with `before` are skipped unread. Op
 * values may share structure with `after`: encode the patch before mutating it.
 * Equal documents give []; output is deterministic.
 */
export function createPatch(before: unknown, after: unknown): PatchOperation[] {
  const walk: DiffWalk = { ops: [], segs: [], ancestors: new Set() };
  diffValue(before, after, walk);
  return walk.ops;
}

// ---------------------------------------------------------------------------
// Apply

// Identifies the operation in every apply error.
interface OpContext {
  index: number;
  label: string;
}

function applyError(at: OpContext, reason: string, cause?: unknown): KadmitError {
  return new KadmitError('KADMIT_PATCH_APPLY', `patch operation ${at.index} (${at.label}): ${reason}`, { cause });
}

type Container = unknown[] | JsonObject;

function isContainer(value: unknown): value is Container {
  return typeof value === 'object' && value !== null;
}

// RFC 6901: "0" or no leading zeros; `-` (past the end) only where allowed.
// `where` names the pointer in messages; built only on failure.
function arrayIndex(token: string, length: number, allowEnd: boolean, at: OpContext, where: () => string): number {
  if (token === '-' && allowEnd) return length;
  if (!/^(?:0|[1-9][0-9]*)$/.test(token)) throw applyError(at, `${where()}: "${token}" is not an array index`);
  const index = Number(token);
  if (index > (allowEnd ? length : length - 1)) {
    throw applyError(at, `${where()}: index ${token} is out of bounds (length ${length})`);
  }
  return index;
}

function resolve(doc: unknown, tokens: readonly string[], at: OpContext, what: string): unknown {
  let current = doc;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if (Array.isArray(current)) {
      const where = () => `${what} ${formatPointer(tokens.slice(0, i + 1))}`;
      current = current[arrayIndex(token, current.length, false, at, where)];
    } else if (isContainer(current) && Object.hasOwn(current, token)) {
      current = (current as JsonObject)[token];
    } else {
      const reason = isContainer(current) ? '' : ' (its parent is not an object or array)';
      throw applyError(at, `${what} ${formatPointer(tokens.slice(0, i + 1))} does not exist${reason}`);
    }
  }
  return current;
}

function resolveParent(doc: unknown, tokens: readonly string[], at: OpContext, what: string): Container {
  const parentTokens = tokens.slice(0, -1);
  const parent = resolve(doc, parentTokens, at, what);
  if (!isContainer(parent)) {
    throw applyError(at, `${what} ${formatPointer(parentTokens)} is not an object or array`);
  }
  return parent;
}

function addValue(doc: unknown, tokens: readonly string[], value: unknown, at: OpContext): unknown {
  if (tokens.length === 0) return value;
  const parent = resolveParent(doc, tokens, at, 'path');
  const key = tokens[tokens.length - 1] as string;
  if (Array.isArray(parent)) {
    parent.splice(arrayIndex(key, parent.length, true, at, () => `path ${formatPointer(tokens)}`), 0, value);
  } else {
    setOwn(parent, key, value);
  }
  return doc;
}

function removeValue(doc: unknown, tokens: readonly string[], at: OpContext, what: string): unknown {
  if (tokens.length === 0) throw applyError(at, 'cannot remove the whole document');
  const parent = resolveParent(doc, tokens, at, what);
  const key = tokens[tokens.length - 1] as string;
  const where = () => `${what} ${formatPointer(tokens)}`;
  if (Array.isArray(parent)) return parent.splice(arrayIndex(key, parent.length, false, at, where), 1)[0];
  if (!Object.hasOwn(parent, key)) throw applyError(at, `${where()} does not exist`);
  const removed = parent[key];
  delete parent[key];
  return removed;
}

function replaceValue(doc: unknown, tokens: readonly string[], value: unknown, at: OpContext): unknown {
  if (tokens.length === 0) return value;
  const parent = resolveParent(doc, tokens, at, 'path');
  const key = tokens[tokens.length - 1] as string;
  const where = () => `path ${formatPointer(tokens)}`;
  if (Array.isArray(parent)) {
    parent[arrayIndex(key, parent.length, false, at, where)] = value;
  } else {
    if (!Object.hasOwn(parent, key)) throw applyError(at, `${where()} does not exist`);
    setOwn(parent, key, value);
  }
  return doc;
}

function operationValue(op: JsonObject, at: OpContext): unknown {
  if (!Object.hasOwn(op, 'value') || op.value === undefined) throw applyError(at, 'missing "value"');
  try {
    return copyJson(op.value, { segs: [], ancestors: new Set() });
  } catch (err) {
    throw applyError(at, `"value" ${err instanceof Error ? err.message : String(err)}`, err);
  }
}

function fromTokens(op: JsonObject, at: OpContext): string[] {
  if (typeof op.from !== 'string') throw applyError(at, '"from" must be a string');
  const tokens = parsePointer(op.from);
  if (tokens === null) throw applyError(at, `malformed JSON pointer in "from": ${JSON.stringify(op.from)}`);
  return tokens;
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function applyOperation(doc: unknown, raw: unknown, index: number): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw applyError({ index, label: '?' }, 'not an operation object');
  }
  const op = raw as JsonObject;
  const at: OpContext = { index, label: `${String(op.op)} ${String(op.path)}` };
  if (typeof op.path !== 'string') throw applyError(at, '"path" must be a string');
  const tokens = parsePointer(op.path);
  if (tokens === null) throw applyError(at, `malformed JSON pointer ${JSON.stringify(op.path)}`);
  switch (op.op) {
    case 'add':
      return addValue(doc, tokens, operationValue(op, at), at);
    case 'remove':
      removeValue(doc, tokens, at, 'path');
      return doc;
    case 'replace':
      return replaceValue(doc, tokens, operationValue(op, at), at);
    case 'move': {
      const from = fromTokens(op, at);
      if (op.from === op.path) {
        resolve(doc, from, at, 'from');
        return doc;
      }
      if (op.path.startsWith(`${op.from as string}/`)) throw applyError(at, 'cannot move a value into itself');
      return addValue(doc, tokens, removeValue(doc, from, at, 'from'), at);
    }
    case 'copy': {
      const value = copyJson(resolve(doc, fromTokens(op, at), at, 'from'), { segs: [], ancestors: new Set() });
      return addValue(doc, tokens, value, at);
    }
    case 'test': {
      const expected = operationValue(op, at);
      const actual = resolve(doc, tokens, at, 'path');
      if (!jsonEqual(actual, expected)) {
        throw applyError(at, `test failed: expected ${preview(expected)}, found ${preview(actual)}`);
      }
      return doc;
    }
    default:
      throw applyError(at, `unknown op ${typeof op.op === 'string' ? JSON.stringify(op.op) : typeof op.op}`);
  }
}

/**
 * Applies an RFC 6902 patch (all six operations, `-` to append, `test` by JSON
 * equality) to a copy of `document` and returns the copy; neither the document
 * nor the operations are mutated or aliased. Errors are KADMIT_PATCH_APPLY
 * naming the operation's index and path, or KADMIT_PATCH_NOT_JSON if the
 * document itself is not JSON.
 */
export function applyPatch(document: unknown, ops: readonly PatchOperation[]): unknown {
  if (!Array.isArray(ops)) throw new KadmitError('KADMIT_PATCH_APPLY', 'a patch must be an array of operations');
  let doc = copyJson(document, { segs: [], ancestors: new Set() });
  for (let i = 0; i < ops.length; i++) doc = applyOperation(doc, ops[i], i);
  return doc;
}

// ---------------------------------------------------------------------------
// Wire

/** `response.patch` of an AdmissionReview: base64 of the JSON array. */
export function encodePatch(ops: readonly PatchOperation[]): string {
  return Buffer.from(JSON.stringify(ops), 'utf8').toString('base64');
}
