// The verbs: GET, LIST, WATCH, CREATE, UPDATE (PUT), PATCH, DELETE with
// kube-apiserver's resourceVersion, conflict and no-op semantics.
import { randomBytes } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { clone, deepEqual, isObject, type JsonObject } from './json.ts';
import { applyJsonPatch, decodeJsonPatch, PatchApplyError, PatchDecodeError } from './json-patch.ts';
import { serverSideApply, type Managers } from './managed-fields.ts';
import { applyMergePatch } from './merge-patch.ts';
import { apiVersionOf, type ResourceInfo } from './resources.ts';
import type { Route } from './route.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import * as S from './status.ts';
import { nowTimestamp, type Store } from './store.ts';
import { normalize, validate } from './validation.ts';

export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

export interface RestRequest {
  route: Route;
  query: URLSearchParams;
  contentType: string; // media type only, lower-case
  rawBody: string;
  userAgent: string;
}

export interface RestResult {
  status: number;
  body: unknown;
}

// Fields a client may not set and a no-op comparison must ignore.
function comparable(obj: JsonObject): JsonObject {
  const c = clone(obj);
  if (isObject(c.metadata)) {
    for (const k of ['resourceVersion', 'managedFields', 'generation', 'uid', 'creationTimestamp']) delete c.metadata[k];
  }
  return c;
}

function parseJsonBody(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch (err) {
    throw S.badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
}

// apiserver's managerOrUserAgent: the fieldManager, else the user agent up to the first '/'.
function managerOf(req: RestRequest): string {
  return req.query.get('fieldManager') ?? (req.userAgent.split('/')[0] || 'unknown');
}

function checkTypeMeta(res: ResourceInfo, body: JsonObject, requireIt: boolean): void {
  const want = apiVersionOf(res);
  if (requireIt && (body.apiVersion === undefined || body.kind === undefined)) {
    throw S.badRequest('invalid object: apiVersion and kind must be set');
  }
  if (body.apiVersion !== undefined && body.apiVersion !== want) {
    throw S.badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${want})`);
  }
  if (body.kind !== undefined && body.kind !== res.kind) {
    throw S.badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (${res.kind})`);
  }
}

function objectBody(req: RestRequest): JsonObject {
  const body = parseJsonBody(req.rawBody);
  if (!isObject(body)) throw S.badRequest('the body of the request must be a JSON object');
  checkTypeMeta(req.route.res, body, false);
  if (!isObject(body.metadata)) body.metadata = {};
  return body;
}

function checkNamespace(route: Route, meta: JsonObject): void {
  if (!route.res.namespaced) {
    delete meta.namespace;
    return;
  }
  if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== route.namespace) {
    throw S.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  meta.namespace = route.namespace!;
}

function validOrThrow(res: ResourceInfo, obj: JsonObject, old: JsonObject | undefined): void {
  const errs = validate(res, obj, old);
  if (errs.length > 0) throw S.invalid(res, String((obj.metadata as JsonObject)?.name ?? ''), errs);
}

function cloneManagers(m: Managers): Managers {
  return new Map([...m].map(([k, v]) => [k, { ...v, paths: new Set(v.paths) }]));
}

function managersEqual(a: Managers, b: Managers): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (!w || w.operation !== v.operation || w.paths.size !== v.paths.size || [...v.paths].some((p) => !w.paths.has(p))) return false;
  }
  return true;
}

function dryRun(req: RestRequest): boolean {
  return req.query.getAll('dryRun').includes('All');
}

export function get(store: Store, req: RestRequest): RestResult {
  const { res, namespace, name } = req.route;
  const e = store.entry(res, namespace ?? '', name);
  if (!e) throw S.notFound(res, name);
  return { status: 200, body: clone(e.obj) };
}

export function list(store: Store, req: RestRequest): RestResult {
  const { res, namespace } = req.route;
  let labels;
  let fields;
  try {
    labels = parseLabelSelector(req.query.get('labelSelector'));
    fields = parseFieldSelector(req.query.get('fieldSelector'));
  } catch (err) {
    throw S.badRequest((err as Error).message);
  }
  const items = store
    .listRaw(res, namespace)
    .filter((o) => labels(o as never) && fields(o as never))
    .map((o) => {
      // Items of a built-in list carry no apiVersion/kind on the wire.
      const { apiVersion: _a, kind: _k, ...rest } = clone(o);
      return rest;
    });
  return {
    status: 200,
    body: { kind: res.listKind, apiVersion: apiVersionOf(res), metadata: { resourceVersion: String(store.resourceVersion) }, items },
  };
}

export function create(store: Store, req: RestRequest): RestResult {
  const { res } = req.route;
  const body = objectBody(req);
  const meta = body.metadata as JsonObject;
  checkNamespace(req.route, meta);
  if ((meta.name === undefined || meta.name === '') && typeof meta.generateName === 'string' && meta.generateName !== '') {
    meta.name = meta.generateName + randomBytes(4).toString('hex').slice(0, 5);
  }
  // System fields a client sent are wiped, as apiserver does on create.
  for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields', 'selfLink']) delete meta[k];
  normalize(res, body);
  validOrThrow(res, body, undefined);
  const name = String(meta.name);
  if (store.entry(res, req.route.namespace ?? '', name)) throw S.alreadyExists(res, name);
  if (dryRun(req)) return { status: 201, body };
  return { status: 201, body: store.commitCreate(res, body, new Map(), managerOf(req)) };
}

function checkPreconditions(res: ResourceInfo, name: string, current: JsonObject, desired: JsonObject): void {
  const cm = current.metadata as JsonObject;
  const dm = desired.metadata as JsonObject;
  if (dm.uid !== undefined && dm.uid !== '' && dm.uid !== cm.uid) {
    throw S.conflict(res, name, `Precondition failed: UID in precondition: ${String(dm.uid)}, UID in object meta: ${String(cm.uid)}`);
  }
  if (dm.resourceVersion !== undefined && dm.resourceVersion !== '' && dm.resourceVersion !== cm.resourceVersion) throw S.conflict(res, name);
}

// The shared tail of update and patch: validate, skip no-ops, commit.
function commitChange(store: Store, req: RestRequest, current: JsonObject, next: JsonObject, managers: Managers | undefined): RestResult {
  const { res, namespace, name } = req.route;
  normalize(res, next);
  validOrThrow(res, next, current);
  const entry = store.entry(res, namespace ?? '', name)!;
  const sameContent = deepEqual(comparable(current), comparable(next));
  if (sameContent && (managers === undefined || managersEqual(managers, entry.managers))) {
    return { status: 200, body: clone(current) }; // no-op: no new resourceVersion, no watch event
  }
  if (dryRun(req)) return { status: 200, body: next };
  if (managers) {
    entry.managers = managers;
    return { status: 200, body: store.commitUpdate(res, entry, next, undefined) };
  }
  return { status: 200, body: store.commitUpdate(res, entry, next, managerOf(req)) };
}

export function update(store: Store, req: RestRequest): RestResult {
  const { res, namespace, name } = req.route;
  const body = objectBody(req);
  const meta = body.metadata as JsonObject;
  checkNamespace(req.route, meta);
  if (meta.name !== name) throw S.badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`);
  const entry = store.entry(res, namespace ?? '', name);
  if (!entry) throw S.notFound(res, name);
  checkPreconditions(res, name, entry.obj, body);
  return commitChange(store, req, entry.obj, body, undefined);
}

export function patch(store: Store, req: RestRequest): RestResult {
  const { res, namespace, name } = req.route;
  const type = req.contentType;
  if (type === PATCH_TYPES.apply) return apply(store, req);
  if (type !== PATCH_TYPES.json && type !== PATCH_TYPES.merge) throw S.unsupportedMediaType(type);
  const entry = store.entry(res, namespace ?? '', name);
  if (!entry) throw S.notFound(res, name);
  const current = entry.obj;
  let next: unknown;
  if (type === PATCH_TYPES.json) {
    let ops;
    try {
      ops = decodeJsonPatch(parseJsonBody(req.rawBody));
    } catch (err) {
      if (err instanceof PatchDecodeError) throw S.badRequest(err.message);
      throw err;
    }
    try {
      next = applyJsonPatch(current, ops);
    } catch (err) {
      if (err instanceof PatchApplyError) throw S.patchNotApplicable(err.message);
      throw err;
    }
  } else {
    next = applyMergePatch(current, parseJsonBody(req.rawBody) as never);
  }
  if (!isObject(next)) throw S.badRequest('the patched object is not a JSON object');
  checkTypeMeta(res, next, false);
  if (!isObject(next.metadata)) next.metadata = {};
  const meta = next.metadata as JsonObject;
  if (meta.name !== name) throw S.badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`);
  checkNamespace(req.route, meta);
  checkPreconditions(res, name, current, next);
  return commitChange(store, req, current, next, undefined);
}

function apply(store: Store, req: RestRequest): RestResult {
  const { res, namespace, name } = req.route;
  const manager = req.query.get('fieldManager');
  if (!manager) throw S.badRequest('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  let body: unknown;
  try {
    body = parseYaml(req.rawBody);
  } catch (err) {
    throw S.badRequest(`error decoding YAML: ${(err as Error).message}`);
  }
  if (!isObject(body)) throw S.badRequest('error decoding YAML: the applied configuration must be an object');
  checkTypeMeta(res, body, true);
  if (!isObject(body.metadata)) body.metadata = {};
  const meta = body.metadata as JsonObject;
  if (meta.name !== undefined && meta.name !== name) throw S.badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`);
  meta.name = name;
  checkNamespace(req.route, meta);
  const force = req.query.get('force') === 'true';
  const entry = store.entry(res, namespace ?? '', name);
  const managers = cloneManagers(entry?.managers ?? new Map());
  const live = entry ? clone(entry.obj) : undefined;
  if (live && isObject(live.metadata)) checkPreconditions(res, name, entry!.obj, body);
  const result = serverSideApply(live, body, manager, force, managers, res, nowTimestamp());
  if (result.conflicts.length > 0) throw S.applyConflict(res, name, result.conflicts);
  const next = result.obj;
  next.apiVersion = apiVersionOf(res);
  next.kind = res.kind;
  if (!entry) {
    normalize(res, next);
    validOrThrow(res, next, undefined);
    if (dryRun(req)) return { status: 201, body: next };
    return { status: 201, body: store.commitCreate(res, next, managers, undefined) };
  }
  return commitChange(store, req, entry.obj, next, managers);
}

export function remove(store: Store, req: RestRequest): RestResult {
  const { res, namespace, name } = req.route;
  const entry = store.entry(res, namespace ?? '', name);
  if (!entry) throw S.notFound(res, name);
  const opts = req.rawBody.trim() === '' ? {} : parseJsonBody(req.rawBody);
  const pre = isObject(opts) && isObject(opts.preconditions) ? opts.preconditions : {};
  const meta = entry.obj.metadata as JsonObject;
  if (pre.uid !== undefined && pre.uid !== null && pre.uid !== meta.uid) {
    throw S.conflict(res, name, `Precondition failed: UID in precondition: ${String(pre.uid)}, UID in object meta: ${String(meta.uid)}`);
  }
  if (pre.resourceVersion !== undefined && pre.resourceVersion !== null && pre.resourceVersion !== meta.resourceVersion) {
    throw S.conflict(res, name, `Precondition failed: ResourceVersion in precondition: ${String(pre.resourceVersion)}, ResourceVersion in object meta: ${String(meta.resourceVersion)}`);
  }
  if (!dryRun(req)) store.commitDelete(res, entry);
  return { status: 200, body: S.success(res, name, String(meta.uid)) };
}

export function watchOptions(req: RestRequest): { labels: ReturnType<typeof parseLabelSelector>; fields: ReturnType<typeof parseFieldSelector> } {
  try {
    return { labels: parseLabelSelector(req.query.get('labelSelector')), fields: parseFieldSelector(req.query.get('fieldSelector')) };
  } catch (err) {
    throw S.badRequest((err as Error).message);
  }
}
