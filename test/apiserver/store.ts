// The test API server's etcd: objects, one global resourceVersion counter,
// and a bounded event history that watches replay from (older => 410 Gone).
// Tests reach it directly (`api.store.put(...)`) to act as another writer.
import { randomUUID } from 'node:crypto';
import { clone, deepEqual, isObject, type JsonObject } from './json.ts';
import { recordUpdate, renderManagedFields, type Managers } from './managed-fields.ts';
import { apiVersionOf, resolveResource, type ResourceInfo } from './resources.ts';
import { normalize } from './validation.ts';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  rv: number;
  type: EventType;
  res: ResourceInfo;
  obj: JsonObject; // state after the change (last state for DELETED)
  prev: JsonObject | undefined; // state before (for selector transitions)
}

interface Entry {
  obj: JsonObject;
  managers: Managers;
}

export interface PutOptions {
  // Field manager recorded for the write (default "out-of-band").
  manager?: string;
  // Do not tell watchers: simulates an event a watch missed.
  silent?: boolean;
}

export function nowTimestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function keyOf(res: ResourceInfo, namespace: string, name: string): string {
  return `${res.group}/${res.plural}/${res.namespaced ? namespace : ''}/${name}`;
}

// Everything except metadata: what a generation bump is about.
function specPart(obj: JsonObject): JsonObject {
  const { metadata: _m, ...rest } = obj;
  return rest;
}

export class Store {
  #rv = 0;
  #compactedRv = 0;
  #entries = new Map<string, Entry>();
  #history: StoreEvent[] = [];
  #listeners = new Set<(e: StoreEvent) => void>();
  readonly maxHistory: number;

  constructor(opts: { maxHistory?: number } = {}) {
    this.maxHistory = opts.maxHistory ?? 1000;
  }

  get resourceVersion(): number {
    return this.#rv;
  }

  // Watches from a resourceVersion older than this get 410 Gone.
  get oldestWatchableRv(): number {
    return this.#compactedRv;
  }

  // Forget the event history: every watch resuming from an older RV gets 410.
  compact(): void {
    this.#compactedRv = this.#rv;
    this.#history = [];
  }

  subscribe(listener: (e: StoreEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  historySince(rv: number): StoreEvent[] {
    return this.#history.filter((e) => e.rv > rv);
  }

  // ---- test-facing API (bypasses the REST layer: no preconditions, no validation) ----

  get(resource: string, namespace: string, name: string): JsonObject | undefined {
    const res = resolveResource(resource);
    const e = this.#entries.get(keyOf(res, namespace, name));
    return e ? clone(e.obj) : undefined;
  }

  list(resource: string, namespace?: string): JsonObject[] {
    const res = resolveResource(resource);
    return this.listRaw(res, namespace).map((o) => clone(o));
  }

  // Create or overwrite an object as some other writer would (a GitOps sync,
  // kubectl), or as a broken one could: defaulted, but not validated.
  put(resource: string, obj: JsonObject, opts: PutOptions = {}): JsonObject {
    const res = resolveResource(resource);
    const meta = isObject(obj.metadata) ? obj.metadata : {};
    const name = String(meta.name ?? '');
    const namespace = res.namespaced ? String(meta.namespace ?? 'default') : '';
    if (!name) throw new Error('store.put: metadata.name required');
    const existing = this.entry(res, namespace, name);
    const body = clone(obj);
    if (res.namespaced) (body.metadata as JsonObject).namespace = namespace;
    // Defaults as any API writer would get them; validation is what is bypassed.
    normalize(res, body);
    const manager = opts.manager ?? 'out-of-band';
    return existing
      ? this.commitUpdate(res, existing, body, manager, opts.silent)
      : this.commitCreate(res, body, new Map(), manager, opts.silent);
  }

  // Change an object in place: `mutate` edits a copy, e.g. to reset a caBundle.
  update(resource: string, namespace: string, name: string, mutate: (obj: JsonObject) => void, opts: PutOptions = {}): JsonObject {
    const current = this.get(resource, namespace, name);
    if (!current) throw new Error(`store.update: ${resource} ${namespace}/${name} not found`);
    mutate(current);
    return this.put(resource, current, opts);
  }

  delete(resource: string, namespace: string, name: string, opts: { silent?: boolean } = {}): boolean {
    const res = resolveResource(resource);
    const e = this.entry(res, namespace, name);
    if (!e) return false;
    this.commitDelete(res, e, opts.silent);
    return true;
  }

  // ---- REST-layer API ----

  entry(res: ResourceInfo, namespace: string, name: string): Entry | undefined {
    return this.#entries.get(keyOf(res, namespace, name));
  }

  listRaw(res: ResourceInfo, namespace?: string): JsonObject[] {
    const out: JsonObject[] = [];
    const prefix = `${res.group}/${res.plural}/`;
    for (const [k, e] of this.#entries) {
      if (!k.startsWith(prefix)) continue;
      const ns = (e.obj.metadata as JsonObject).namespace;
      if (res.namespaced && namespace !== undefined && ns !== namespace) continue;
      out.push(e.obj);
    }
    return out;
  }

  commitCreate(res: ResourceInfo, obj: JsonObject, managers: Managers, manager: string | undefined, silent = false): JsonObject {
    const now = nowTimestamp();
    const meta = (isObject(obj.metadata) ? obj.metadata : {}) as JsonObject;
    obj.apiVersion = apiVersionOf(res);
    obj.kind = res.kind;
    meta.uid = randomUUID();
    meta.creationTimestamp = now;
    meta.resourceVersion = String(++this.#rv);
    if (res.generation) meta.generation = 1;
    else delete meta.generation;
    delete meta.managedFields;
    obj.metadata = meta;
    if (manager) recordUpdate(undefined, obj, manager, managers, res, now);
    meta.managedFields = renderManagedFields(managers, apiVersionOf(res));
    const entry: Entry = { obj, managers };
    this.#entries.set(keyOf(res, String(meta.namespace ?? ''), String(meta.name)), entry);
    this.#emit({ rv: this.#rv, type: 'ADDED', res, obj, prev: undefined }, silent);
    return clone(obj);
  }

  // `next` is the full desired object; server-owned metadata is carried over.
  commitUpdate(res: ResourceInfo, entry: Entry, next: JsonObject, manager: string | undefined, silent = false): JsonObject {
    const prev = entry.obj;
    const prevMeta = prev.metadata as JsonObject;
    const meta = (isObject(next.metadata) ? next.metadata : {}) as JsonObject;
    next.apiVersion = apiVersionOf(res);
    next.kind = res.kind;
    meta.name = prevMeta.name!;
    if (res.namespaced) meta.namespace = prevMeta.namespace!;
    meta.uid = prevMeta.uid!;
    meta.creationTimestamp = prevMeta.creationTimestamp!;
    if (res.generation) {
      const gen = Number(prevMeta.generation ?? 1);
      meta.generation = deepEqual(specPart(prev), specPart(next)) ? gen : gen + 1;
    } else delete meta.generation;
    meta.resourceVersion = String(++this.#rv);
    delete meta.managedFields;
    next.metadata = meta;
    if (manager) recordUpdate(prev, next, manager, entry.managers, res, nowTimestamp());
    meta.managedFields = renderManagedFields(entry.managers, apiVersionOf(res));
    entry.obj = next;
    this.#emit({ rv: this.#rv, type: 'MODIFIED', res, obj: next, prev }, silent);
    return clone(next);
  }

  commitDelete(res: ResourceInfo, entry: Entry, silent = false): JsonObject {
    const meta = entry.obj.metadata as JsonObject;
    this.#entries.delete(keyOf(res, String(meta.namespace ?? ''), String(meta.name)));
    // The DELETED event carries the object at a new resourceVersion, like etcd's delete revision.
    const last = clone(entry.obj);
    (last.metadata as JsonObject).resourceVersion = String(++this.#rv);
    this.#emit({ rv: this.#rv, type: 'DELETED', res, obj: last, prev: entry.obj }, silent);
    return last;
  }

  #emit(e: StoreEvent, silent: boolean): void {
    if (silent) return;
    this.#history.push(e);
    if (this.#history.length > this.maxHistory) {
      const dropped = this.#history.splice(0, this.#history.length - this.maxHistory);
      this.#compactedRv = dropped[dropped.length - 1]!.rv;
    }
    for (const l of [...this.#listeners]) l(e);
  }
}
