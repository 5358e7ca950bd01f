// Decodes an AdmissionReview body into the version-independent request model.
// The envelope is checked before anything reads it: a plain check says yes for
// the common case, zod decides the rest (envelope-schema.ts), and a bad
// envelope is reported with the JSON paths of every field that is wrong.
import { KadmitError } from '../errors.ts';
import { formatJsonPath } from '../json-path.ts';
import { isObject } from '../json.ts';
import { onFirstUse } from '../own-modules.ts';
import { MAX_UID_LENGTH, OPERATIONS, REVIEW_VERSIONS, type AdmissionRequest, type RawObject, type ReviewVersion } from '../model/request.ts';
import type * as EnvelopeZod from './envelope-zod.ts';
import type { ParsedReview } from './envelope-schema.ts';

/**
 * zod and the envelope's schema, loaded the first time a body is not plainly
 * fine: zod costs a thread ~6.6 MiB, and a worker whose reviews all fit never
 * holds it. Decoding stays synchronous.
 */
const envelopeZod = onFirstUse<typeof EnvelopeZod>(import.meta.url, './envelope-zod');

export interface EnvelopeIssue {
  path: string;
  message: string;
}

export interface DecodedReview {
  version: ReviewVersion;
  request: AdmissionRequest;
}

/** `{}` is what some capture tools write for "no object"; the apiserver never sends it. */
function emptyToNull(value: RawObject | null | undefined): RawObject | null {
  if (value === undefined || value === null) return null;
  for (const _ in value) return value;
  return null;
}

/** What reviewSchema makes of `body`: by the plain check below when it says yes, else by zod, which explains a no. */
function parseReview(body: unknown): ParsedReview {
  if (envelopeFits(body)) return copyEnvelope(body);
  const parsed = envelopeZod().reviewSchema.safeParse(body);
  if (!parsed.success) {
    const issues: EnvelopeIssue[] = parsed.error.issues.map((issue) => ({
      path: formatJsonPath(issue.path, '(root)'),
      message: issue.message,
    }));
    throw new EnvelopeError(issues);
  }
  return parsed.data;
}

export function decodeReview(body: unknown): DecodedReview {
  const parsed = parseReview(body);
  const req = parsed.request;
  if ((req.operation === 'CREATE' || req.operation === 'UPDATE') && emptyToNull(req.object) === null) {
    throw new EnvelopeError([{ path: 'request.object', message: `an object is required for ${req.operation}` }]);
  }
  const request: AdmissionRequest = {
    uid: req.uid,
    kind: req.kind,
    resource: req.resource,
    operation: req.operation as AdmissionRequest['operation'],
    userInfo: {
      ...(req.userInfo?.username !== undefined && { username: req.userInfo.username }),
      ...(req.userInfo?.uid !== undefined && { uid: req.userInfo.uid }),
      ...(req.userInfo?.groups != null && { groups: req.userInfo.groups }),
      ...(req.userInfo?.extra != null && { extra: req.userInfo.extra as Record<string, string[]> }),
    },
    object: emptyToNull(req.object),
    oldObject: emptyToNull(req.oldObject),
    dryRun: req.dryRun ?? false,
    options: req.options ?? null,
  };
  // Omitted-when-empty fields stay omitted, so `'name' in request` means a name was sent.
  if (req.subResource) request.subResource = req.subResource;
  if (req.requestKind) request.requestKind = req.requestKind;
  if (req.requestResource) request.requestResource = req.requestResource;
  if (req.requestSubResource) request.requestSubResource = req.requestSubResource;
  if (req.name) request.name = req.name;
  if (req.namespace) request.namespace = req.namespace;
  return { version: parsed.apiVersion as ReviewVersion, request };
}

// The plain check: yes only where reviewSchema surely says yes, and no copy of
// anything on the way. zod's walk (a context and a result per field) cost a few
// µs per review in a worker; a no (or anything unusual) goes to zod, which
// decides and explains. test/admission/envelope.test.ts holds the two together.
const OPERATION_SET: ReadonlySet<unknown> = new Set(OPERATIONS);
const VERSION_SET: ReadonlySet<unknown> = new Set(REVIEW_VERSIONS);

const isString = (v: unknown): v is string => typeof v === 'string';
const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
const optional = (v: unknown, test: (v: unknown) => boolean) => v === undefined || test(v);
const nullish = (v: unknown, test: (v: unknown) => boolean) => v === undefined || v === null || test(v);
const objectOrNull = (v: unknown) => v === undefined || v === null || isObject(v);
const isGvk = (v: unknown) => isObject(v) && isString(v.group) && isNonEmptyString(v.version) && isNonEmptyString(v.kind);
const isGvr = (v: unknown) => isObject(v) && isString(v.group) && isNonEmptyString(v.version) && isNonEmptyString(v.resource);

function isExtra(v: unknown): boolean {
  // A `__proto__` key is left to zod, whatever it makes of it.
  if (!isObject(v) || Object.hasOwn(v, '__proto__')) return false;
  for (const key in v) if (v[key] !== null && !isStringList(v[key])) return false;
  return true;
}

const isUserInfo = (v: unknown) => isObject(v) && optional(v.username, isString) && optional(v.uid, isString)
  && nullish(v.groups, isStringList) && nullish(v.extra, isExtra);

export function envelopeFits(body: unknown): boolean {
  if (!isObject(body) || !VERSION_SET.has(body.apiVersion) || body.kind !== 'AdmissionReview') return false;
  const r = body.request;
  return isObject(r) && isNonEmptyString(r.uid) && r.uid.length <= MAX_UID_LENGTH && isGvk(r.kind) && isGvr(r.resource)
    && optional(r.subResource, isString) && optional(r.requestKind, isGvk) && optional(r.requestResource, isGvr)
    && optional(r.requestSubResource, isString) && optional(r.name, isString) && optional(r.namespace, isString)
    && OPERATION_SET.has(r.operation) && optional(r.userInfo, isUserInfo)
    && objectOrNull(r.object) && objectOrNull(r.oldObject) && nullish(r.dryRun, (d) => typeof d === 'boolean') && objectOrNull(r.options);
}

const copyGvk = (v: any) => ({ group: v.group, version: v.version, kind: v.kind });
const copyGvr = (v: any) => ({ group: v.group, version: v.version, resource: v.resource });

/** What reviewSchema parses a body envelopeFits() accepted into: the named fields, nested ones copied as zod copies them. */
export function copyEnvelope(body: any): ParsedReview {
  const r = body.request;
  const u = r.userInfo;
  return {
    apiVersion: body.apiVersion,
    kind: body.kind,
    request: {
      uid: r.uid,
      kind: copyGvk(r.kind),
      resource: copyGvr(r.resource),
      subResource: r.subResource,
      requestKind: r.requestKind === undefined ? undefined : copyGvk(r.requestKind),
      requestResource: r.requestResource === undefined ? undefined : copyGvr(r.requestResource),
      requestSubResource: r.requestSubResource,
      name: r.name,
      namespace: r.namespace,
      operation: r.operation,
      userInfo: u === undefined ? undefined : {
        username: u.username,
        uid: u.uid,
        groups: u.groups == null ? u.groups : [...u.groups],
        extra: u.extra == null ? u.extra : Object.fromEntries(Object.entries(u.extra).map(([k, list]: [string, any]) => [k, list === null ? null : [...list]])),
      },
      object: r.object,
      oldObject: r.oldObject,
      dryRun: r.dryRun,
      options: r.options,
    },
  };
}

export class EnvelopeError extends KadmitError {
  readonly issues: EnvelopeIssue[];
  constructor(issues: EnvelopeIssue[]) {
    super(
      'KADMIT_REVIEW_INVALID',
      `invalid AdmissionReview: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    );
    this.issues = issues;
  }
}
