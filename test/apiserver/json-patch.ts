// RFC 6902 JSON patch, with the error wording of evanphx/json-patch (what
// kube-apiserver uses), because clients may match on "test failed".
import { clone, deepEqual, isObject, setKey, type Json } from './json.ts';

export class PatchDecodeError extends Error {
  override name = 'PatchDecodeError';
}
export class PatchApplyError extends Error {
  override name = 'PatchApplyError';
}

interface Op {
  op: string;
  path: string;
  from?: string;
  value?: Json;
}

export function decodeJsonPatch(body: unknown): Op[] {
  if (!Array.isArray(body)) throw new PatchDecodeError('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  return body.map((raw) => {
    if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw new PatchDecodeError('json: cannot unmarshal patch operation: missing op or path');
    }
    const op: Op = { op: raw.op, path: raw.path };
    if (typeof raw.from === 'string') op.from = raw.from;
    if (Object.hasOwn(raw, 'value')) op.value = raw.value ?? null;
    return op;
  });
}

function parsePointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchApplyError(`invalid JSON pointer: ${path}`);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = Json[] | { [k: string]: Json };

// Resolve the parent container of a pointer, or fail like evanphx does.
function parentOf(doc: Json, parts: string[], opName: string, path: string): { parent: Container; key: string } {
  let cur: Json = doc;
  for (const part of parts.slice(0, -1)) {
    if (Array.isArray(cur)) {
      const i = Number(part);
      if (!/^\d+$/.test(part) || i >= cur.length) throw new PatchApplyError(`${opName} operation does not apply: doc is missing path: "${path}"`);
      cur = cur[i]!;
    } else if (isObject(cur) && Object.hasOwn(cur, part)) {
      cur = cur[part]!;
    } else {
      throw new PatchApplyError(`${opName} operation does not apply: doc is missing path: "${path}"`);
    }
  }
  if (!Array.isArray(cur) && !isObject(cur)) throw new PatchApplyError(`${opName} operation does not apply: doc is missing path: "${path}"`);
  return { parent: cur, key: parts[parts.length - 1]! };
}

function arrayIndex(arr: Json[], key: string, allowEnd: boolean, path: string): number {
  if (key === '-' && allowEnd) return arr.length;
  if (!/^\d+$/.test(key)) throw new PatchApplyError(`Unable to access invalid index: ${key}: "${path}"`);
  const i = Number(key);
  if (i > arr.length || (!allowEnd && i === arr.length)) throw new PatchApplyError(`Unable to access invalid index: ${i}: "${path}"`);
  return i;
}

function get(doc: Json, path: string, opName: string): Json | undefined {
  const parts = parsePointer(path);
  if (parts.length === 0) return doc;
  const { parent, key } = parentOf(doc, parts, opName, path);
  if (Array.isArray(parent)) {
    if (!/^\d+$/.test(key) || Number(key) >= parent.length) return undefined;
    return parent[Number(key)];
  }
  return Object.hasOwn(parent, key) ? parent[key] : undefined;
}

function add(doc: Json, path: string, value: Json): Json {
  const parts = parsePointer(path);
  if (parts.length === 0) return value;
  const { parent, key } = parentOf(doc, parts, 'add', path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true, path), 0, value);
  else setKey(parent, key, value);
  return doc;
}

function remove(doc: Json, path: string, opName = 'remove'): { doc: Json; removed: Json } {
  const parts = parsePointer(path);
  if (parts.length === 0) throw new PatchApplyError(`${opName} operation does not apply: cannot remove the whole document`);
  const { parent, key } = parentOf(doc, parts, opName, path);
  if (Array.isArray(parent)) {
    const i = arrayIndex(parent, key, false, path);
    const [removed] = parent.splice(i, 1);
    return { doc, removed: removed! };
  }
  if (!Object.hasOwn(parent, key)) throw new PatchApplyError(`Unable to remove nonexistent key: ${key}: missing value`);
  const removed = parent[key]!;
  delete parent[key];
  return { doc, removed };
}

export function applyJsonPatch(original: Json, ops: Op[]): Json {
  let doc = clone(original);
  for (const op of ops) {
    switch (op.op) {
      case 'add':
        doc = add(doc, op.path, clone(op.value ?? null));
        break;
      case 'remove':
        doc = remove(doc, op.path).doc;
        break;
      case 'replace': {
        if (get(doc, op.path, 'replace') === undefined) {
          throw new PatchApplyError(`replace operation does not apply: doc is missing key: ${op.path}: missing value`);
        }
        doc = remove(doc, op.path, 'replace').doc;
        doc = add(doc, op.path, clone(op.value ?? null));
        break;
      }
      case 'move': {
        if (op.from === undefined) throw new PatchApplyError('move operation missing from');
        const { doc: d, removed } = remove(doc, op.from, 'move');
        doc = add(d, op.path, removed);
        break;
      }
      case 'copy': {
        if (op.from === undefined) throw new PatchApplyError('copy operation missing from');
        const v = get(doc, op.from, 'copy');
        if (v === undefined) throw new PatchApplyError(`copy operation does not apply: doc is missing from path: ${op.from}`);
        doc = add(doc, op.path, clone(v));
        break;
      }
      case 'test': {
        const v = get(doc, op.path, 'test');
        // evanphx: a missing path equals a null value.
        if (!deepEqual(v === undefined ? null : v, op.value ?? null)) {
          throw new PatchApplyError(`testing value ${op.path} failed: test failed`);
        }
        break;
      }
      default:
        throw new PatchApplyError(`Unexpected kind: ${op.op}`);
    }
  }
  return doc;
}
