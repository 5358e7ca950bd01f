// Applying an RFC 6902 JSON Patch, for `kadmit replay` and the test kit (which
// check what a mutating webhook's patch does to the object). The server only
// makes patches (src/admission/patch.ts); this lives beside the code that applies them.
import { KadmitError } from '../errors.ts';
import { isObject, type JsonObject } from '../json.ts';
import { formatPointer, parsePointer } from '../admission/json-pointer.ts';
import type { PatchOperation } from '../admission/patch.ts';
import { copyJson, jsonEqual, setOwn } from '../admission/patch/json-value.ts';

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
  if (!isObject(raw)) throw applyError({ index, label: '?' }, 'not an operation object');
  const op = raw;
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
