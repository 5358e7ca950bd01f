// Coarse field ownership for server-side apply: which manager last set which
// leaf field. Enough to make apply conflict with another writer (a GitOps sync
// that reset a caBundle) unless forced, and to drop fields a manager stops
// applying. Lists named in ResourceInfo.mapLists merge by key; others are atomic.
import { clone, deepEqual, isObject, type Json, type JsonObject } from './json.ts';
import type { ResourceInfo } from './resources.ts';

type Seg = { f: string } | { k: Record<string, string> };
type Path = Seg[];

export interface ManagerEntry {
  operation: 'Apply' | 'Update';
  time: string;
  paths: Set<string>; // JSON-encoded Path
}
export type Managers = Map<string, ManagerEntry>;

// Server-owned fields nobody manages.
const IGNORED = new Set(['apiVersion', 'kind', 'status']);
const IGNORED_META = new Set(['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation', 'name', 'namespace', 'selfLink']);

export interface Leaf {
  path: Path;
  value: Json;
}

export function leaves(obj: Json, res: ResourceInfo): Map<string, Leaf> {
  const out = new Map<string, Leaf>();
  const walk = (v: Json, path: Path, fieldName: string | undefined): void => {
    if (isObject(v)) {
      const entries = Object.entries(v).filter(([k]) => {
        if (path.length === 0) return !IGNORED.has(k);
        if (path.length === 1 && 'f' in path[0]! && path[0].f === 'metadata') return !IGNORED_META.has(k);
        return true;
      });
      // A genuinely empty object is a value someone set ({} selectors); metadata with only server fields is not.
      if (Object.keys(v).length === 0 && path.length > 0) out.set(JSON.stringify(path), { path, value: v });
      for (const [k, child] of entries) walk(child, [...path, { f: k }], k);
      return;
    }
    const key = fieldName === undefined ? undefined : res.mapLists[fieldName];
    if (Array.isArray(v) && key !== undefined && v.every((item) => isObject(item) && typeof item[key] === 'string')) {
      for (const item of v as JsonObject[]) walk(item, [...path, { k: { [key]: item[key] as string } }], undefined);
      return;
    }
    out.set(JSON.stringify(path), { path, value: v });
  };
  walk(obj, [], undefined);
  return out;
}

export function describePath(path: Path): string {
  return path.map((s) => ('f' in s ? `.${s.f}` : `[${Object.entries(s.k).map(([k, v]) => `${k}="${v}"`).join(',')}]`)).join('');
}

function child(container: Json | undefined, seg: Seg): Json | undefined {
  if ('f' in seg) return isObject(container) && Object.hasOwn(container, seg.f) ? container[seg.f] : undefined;
  if (!Array.isArray(container)) return undefined;
  const [k, v] = Object.entries(seg.k)[0]!;
  return container.find((item) => isObject(item) && item[k] === v);
}

export function valueAt(obj: Json, path: Path): Json | undefined {
  let cur: Json | undefined = obj;
  for (const seg of path) {
    cur = child(cur, seg);
    if (cur === undefined) return undefined;
  }
  return cur;
}

// What removing a leaf means: a keyed item's key field stands for the whole item.
function removalTarget(path: Path): Path {
  const n = path.length;
  const item = path[n - 2];
  const last = path[n - 1];
  if (item && last && 'k' in item && 'f' in last && Object.hasOwn(item.k, last.f)) return path.slice(0, n - 1);
  return path;
}

function removePath(obj: Json, path: Path): void {
  const parent = valueAt(obj, path.slice(0, -1));
  const last = path[path.length - 1];
  if (!last) return;
  if ('f' in last) {
    if (isObject(parent)) delete parent[last.f];
    return;
  }
  if (Array.isArray(parent)) {
    const [k, v] = Object.entries(last.k)[0]!;
    const idx = parent.findIndex((item) => isObject(item) && item[k] === v);
    if (idx >= 0) parent.splice(idx, 1);
  }
}

// Deep merge of an applied configuration into the live object.
function merge(live: Json | undefined, applied: Json, fieldName: string | undefined, res: ResourceInfo): Json {
  if (isObject(applied)) {
    const out: JsonObject = isObject(live) ? clone(live) : {};
    for (const [k, v] of Object.entries(applied)) out[k] = merge(out[k], v, k, res);
    return out;
  }
  const key = fieldName === undefined ? undefined : res.mapLists[fieldName];
  if (Array.isArray(applied) && key !== undefined && Array.isArray(live)) {
    const out = clone(live);
    for (const item of applied) {
      const idx = isObject(item) ? out.findIndex((x) => isObject(x) && x[key] === item[key]) : -1;
      if (idx >= 0) out[idx] = merge(out[idx], item, undefined, res);
      else out.push(clone(item));
    }
    return out;
  }
  return clone(applied);
}

function isUnder(p: string, prefix: string): boolean {
  return p === prefix || p.startsWith(prefix.slice(0, -1) + ',');
}

export interface ApplyResult {
  obj: JsonObject;
  conflicts: Array<{ manager: string; field: string }>;
}

export function serverSideApply(
  live: JsonObject | undefined,
  applied: JsonObject,
  manager: string,
  force: boolean,
  managers: Managers,
  res: ResourceInfo,
  now: string,
): ApplyResult {
  const liveObj: JsonObject = live ?? {};
  const appliedLeaves = leaves(applied, res);
  const conflicts: Array<{ manager: string; field: string }> = [];
  const takenFrom = new Map<string, Set<string>>();
  for (const [key, leaf] of appliedLeaves) {
    const current = valueAt(liveObj, leaf.path);
    if (current === undefined || deepEqual(current, leaf.value)) continue;
    for (const [name, entry] of managers) {
      if (name === manager) continue;
      for (const owned of entry.paths) {
        if (!isUnder(owned, key)) continue;
        conflicts.push({ manager: name, field: describePath(JSON.parse(owned) as Path) });
        if (!takenFrom.has(name)) takenFrom.set(name, new Set());
        takenFrom.get(name)!.add(owned);
      }
    }
  }
  if (conflicts.length > 0 && !force) return { obj: liveObj, conflicts };

  let obj = merge(liveObj, applied, undefined, res) as JsonObject;
  // Fields this manager applied before and no longer does, and nobody else owns: removed.
  const previous = managers.get(manager)?.paths ?? new Set<string>();
  obj = clone(obj);
  for (const owned of previous) {
    if (appliedLeaves.has(owned)) continue;
    const target = removalTarget(JSON.parse(owned) as Path);
    const t = JSON.stringify(target);
    const stillApplied = [...appliedLeaves.keys()].some((p) => isUnder(p, t));
    const sharedWith = [...managers].some(([name, e]) => name !== manager && [...e.paths].some((p) => isUnder(p, t) || isUnder(t, p)));
    if (!stillApplied && !sharedWith) removePath(obj, target);
  }
  for (const [name, paths] of takenFrom) {
    const entry = managers.get(name)!;
    for (const p of paths) entry.paths.delete(p);
    if (entry.paths.size === 0) managers.delete(name);
  }
  managers.set(manager, { operation: 'Apply', time: now, paths: new Set(appliedLeaves.keys()) });
  return { obj, conflicts: [] };
}

// A non-apply write (create, update, patch): the writer owns what it changed.
export function recordUpdate(oldObj: JsonObject | undefined, newObj: JsonObject, manager: string, managers: Managers, res: ResourceInfo, now: string): void {
  const before = oldObj ? leaves(oldObj, res) : new Map<string, Leaf>();
  const after = leaves(newObj, res);
  const changed = new Set<string>();
  for (const [k, leaf] of after) if (!before.has(k) || !deepEqual(before.get(k)!.value, leaf.value)) changed.add(k);
  for (const k of before.keys()) if (!after.has(k)) changed.add(k);
  if (changed.size === 0) return;
  for (const [name, entry] of managers) {
    if (name === manager) continue;
    for (const p of [...entry.paths]) if ([...changed].some((c) => isUnder(p, c) || isUnder(c, p))) entry.paths.delete(p);
    if (entry.paths.size === 0) managers.delete(name);
  }
  const mine = managers.get(manager);
  const paths = mine && mine.operation === 'Update' ? mine.paths : new Set<string>();
  for (const c of changed) if (after.has(c)) paths.add(c);
  for (const p of [...paths]) if (!after.has(p)) paths.delete(p);
  if (mine && mine.operation === 'Apply') {
    // An Apply manager writing via update keeps a separate Update entry in real SSA; merge coarsely.
    for (const c of changed) if (after.has(c)) mine.paths.add(c);
    mine.time = now;
    return;
  }
  if (paths.size > 0) managers.set(manager, { operation: 'Update', time: now, paths });
}

// Render managers as metadata.managedFields in the FieldsV1 format.
export function renderManagedFields(managers: Managers, apiVersion: string): JsonObject[] {
  const out: JsonObject[] = [];
  for (const [manager, entry] of managers) {
    const fields: JsonObject = {};
    for (const encoded of entry.paths) {
      let node = fields;
      for (const seg of JSON.parse(encoded) as Path) {
        const key = 'f' in seg ? `f:${seg.f}` : `k:${JSON.stringify(seg.k)}`;
        if (!isObject(node[key])) node[key] = 'k' in seg ? { '.': {} } : {};
        node = node[key] as JsonObject;
      }
    }
    out.push({ manager, operation: entry.operation, apiVersion, time: entry.time, fieldsType: 'FieldsV1', fieldsV1: fields });
  }
  return out;
}
