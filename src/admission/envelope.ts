// Decodes an AdmissionReview body into the version-independent request model.
// The envelope is checked with zod before anything reads it; a bad envelope is
// reported with the JSON paths of every field that is wrong.
import { z } from 'zod';
import { KadmitError } from '../errors.ts';
import { formatJsonPath } from '../json-path.ts';
import { isObject } from '../json.ts';
import { OPERATIONS, type AdmissionRequest, type RawObject, type ReviewVersion } from '../model/request.ts';

export const REVIEW_VERSIONS: readonly ReviewVersion[] = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'];

/** The apiserver's uids are 36-character UUIDs; a longer one is refused rather than echoed and logged. */
export const MAX_UID_LENGTH = 253;

// An object slot is a JSON object or null. Checked without copying: the raw
// object must reach the schema check and the patch diff exactly as sent.
const objectSlot = z
  .custom<RawObject | null>((v) => v === null || isObject(v), { message: 'expected an object or null' })
  .optional();

const groupVersionKind = z.object({ group: z.string(), version: z.string().min(1), kind: z.string().min(1) });
const groupVersionResource = z.object({ group: z.string(), version: z.string().min(1), resource: z.string().min(1) });

const userInfo = z.object({
  username: z.string().optional(),
  uid: z.string().optional(),
  groups: z.array(z.string()).nullish(),
  extra: z.record(z.string(), z.array(z.string()).nullable()).nullish(),
});

// Plain (stripping) objects: zod compiles them to a fast checker, and the parsed
// copy is only read for the fields named here; the raw body is never changed.
const requestSchema = z.object({
  uid: z.string().min(1).max(MAX_UID_LENGTH),
  kind: groupVersionKind,
  resource: groupVersionResource,
  subResource: z.string().optional(),
  requestKind: groupVersionKind.optional(),
  requestResource: groupVersionResource.optional(),
  requestSubResource: z.string().optional(),
  name: z.string().optional(),
  namespace: z.string().optional(),
  operation: z.enum(OPERATIONS as [string, ...string[]]),
  // The apiserver always sends userInfo and dryRun; recorded fixtures sometimes lack them.
  userInfo: userInfo.optional(),
  object: objectSlot,
  oldObject: objectSlot,
  dryRun: z.boolean().nullish(),
  options: objectSlot,
});

const reviewSchema = z.object({
  apiVersion: z.enum(REVIEW_VERSIONS as [string, ...string[]]),
  kind: z.literal('AdmissionReview'),
  request: requestSchema,
});

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

export function decodeReview(body: unknown): DecodedReview {
  const parsed = reviewSchema.safeParse(body);
  if (!parsed.success) {
    const issues: EnvelopeIssue[] = parsed.error.issues.map((issue) => ({
      path: formatJsonPath(issue.path, '(root)'),
      message: issue.message,
    }));
    throw new EnvelopeError(issues);
  }
  const req = parsed.data.request;
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
  return { version: parsed.data.apiVersion as ReviewVersion, request };
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
