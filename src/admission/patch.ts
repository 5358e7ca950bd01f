// RFC 6902 JSON Patch for mutating webhooks: the operations, the diff from the
// raw incoming object to the handler's copy, and the wire encoding. The diff
// reads the raw object, never a typed model, so fields a handler did not touch
// (unknown ones included) never appear in the patch. Its parts: checking JSON
// values (patch/json-value.ts), aligning arrays (patch/hash.ts, patch/align.ts),
// pointers (json-pointer.ts); applying a patch is replay's (src/replay/apply-patch.ts).
import { Buffer } from 'node:buffer';
import { isObject, isPlainObject, type JsonObject } from '../json.ts';
import { formatPointer } from './json-pointer.ts';
import { align } from './patch/align.ts';
import { hashRange, hashString, mix } from './patch/hash.ts';
import { checkJson, jsonEqual, type JsonWalk } from './patch/json-value.ts';

export type PatchOperation =
  | { op: 'add'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'replace'; path: string; value: unknown }
  | { op: 'move'; from: string; path: string }
  | { op: 'copy'; from: string; path: string }
  | { op: 'test'; path: string; value: unknown };

interface DiffWalk extends JsonWalk {
  ops: PatchOperation[];
}

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
    const name = isObject(item) && Object.hasOwn(item, 'name') ? item.name : undefined;
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

/** `response.patch` of an AdmissionReview: base64 of the JSON array. */
export function encodePatch(ops: readonly PatchOperation[]): string {
  return Buffer.from(JSON.stringify(ops), 'utf8').toString('base64');
}
