// Turns what a fixture holds into the AdmissionReview the apiserver would send.
// Full reviews go as they are; bare requests (and `{uid, request}` wrappers)
// are wrapped in a v1 review; a shorthand (an object and an operation) is
// completed the way the apiserver fills a request.
import { randomUUID } from 'node:crypto';
import { isObject } from '../json.ts';
import type { Operation, RawObject, UserInfo } from '../model/request.ts';
import { admissionReview } from '../model/outcome.ts';
import { resourceFor, splitApiVersion } from '../schemas/resources.ts';

export interface ReviewDocument {
  apiVersion: string;
  kind: string;
  request: Record<string, unknown>;
  [key: string]: unknown;
}

/** Bare requests and {uid, request} wrappers are sent the way the apiserver would: inside a v1 review. */
export function asReview(doc: Record<string, unknown>): ReviewDocument {
  if (doc.kind === 'AdmissionReview') return doc as ReviewDocument;
  const request = isObject(doc.request) ? doc.request : doc;
  return admissionReview('admission.k8s.io/v1', { request });
}

/** The user the apiserver names when a fixture names none. */
export const DEFAULT_USER: Readonly<UserInfo> = Object.freeze({ username: 'kadmit-replay', groups: ['system:authenticated'] });

export interface Shorthand {
  operation: Operation;
  object?: RawObject | null;
  oldObject?: RawObject | null;
  /** Default: the object's metadata.namespace, else `default` for namespaced built-in kinds. */
  namespace?: string;
  /** The name in the request URL; default: the object's metadata.name. */
  resourceName?: string;
  /** Plural resource; default from the kind. */
  resource?: string;
  subResource?: string;
  userInfo?: UserInfo;
  dryRun?: boolean;
  options?: RawObject | null;
}

const OPTIONS_KIND: Partial<Record<Operation, string>> = { CREATE: 'CreateOptions', UPDATE: 'UpdateOptions', DELETE: 'DeleteOptions' };

function metadataOf(object: RawObject | null | undefined): Record<string, unknown> {
  return isObject(object?.metadata) ? object.metadata : {};
}

/** The object as the apiserver hands it to admission: namespaced objects carry the request's namespace. */
function withNamespace(object: RawObject | null | undefined, namespace: string | undefined): RawObject | null {
  if (!object) return null;
  if (namespace === undefined || metadataOf(object).namespace !== undefined) return object;
  return { ...object, metadata: { ...metadataOf(object), namespace } };
}

export function buildShorthandReview(s: Shorthand): ReviewDocument {
  // The schema guarantees the source object has string apiVersion and kind.
  const source = (s.operation === 'DELETE' ? s.oldObject : s.object ?? s.oldObject) as RawObject;
  const kind = String(source.kind);
  const gv = splitApiVersion(String(source.apiVersion));
  const info = resourceFor(kind);
  const connectOptions = info.subResource !== undefined;
  const gvk = { group: gv.group, version: gv.version, kind };
  const gvr = { group: gv.group, version: gv.version, resource: s.resource ?? info.resource };
  const subResource = s.subResource ?? info.subResource;
  const meta = metadataOf(connectOptions ? null : source);
  const namespace = s.namespace ?? (typeof meta.namespace === 'string' ? meta.namespace : info.namespaced ? 'default' : undefined);
  const name = s.resourceName ?? (typeof meta.name === 'string' && meta.name !== '' ? meta.name : undefined);
  const stamp = (o: RawObject | null | undefined) => (connectOptions ? (o ?? null) : withNamespace(o, namespace));

  let options: RawObject | null;
  if (s.options !== undefined) options = s.options;
  else {
    const optionsKind = OPTIONS_KIND[s.operation];
    options = optionsKind ? { apiVersion: 'meta.k8s.io/v1', kind: optionsKind, ...(s.dryRun && { dryRun: ['All'] }) } : null;
  }

  // Field order as the apiserver writes it; empty optional fields are omitted.
  const request: Record<string, unknown> = {
    uid: randomUUID(),
    kind: gvk,
    resource: gvr,
    ...(subResource && { subResource }),
    requestKind: gvk,
    requestResource: gvr,
    ...(subResource && { requestSubResource: subResource }),
    ...(name !== undefined && { name }),
    ...(namespace !== undefined && { namespace }),
    operation: s.operation,
    userInfo: s.userInfo ?? structuredClone(DEFAULT_USER),
    object: s.operation === 'DELETE' ? null : stamp(s.object),
    oldObject: s.operation === 'CREATE' || s.operation === 'CONNECT' ? null : stamp(s.oldObject),
    dryRun: s.dryRun ?? false,
    options,
  };
  return admissionReview('admission.k8s.io/v1', { request });
}
