// The AdmissionReview envelope as a zod schema: what decides a body that
// envelope.ts's plain check does not pass, and what names every wrong field of
// a bad one. envelope.ts loads this module on first need, so a thread whose
// reviews all fit never loads zod.
import { z } from 'zod';
import { isObject } from '../json.ts';
import { MAX_UID_LENGTH, OPERATIONS, REVIEW_VERSIONS, type RawObject } from '../model/request.ts';

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

export const reviewSchema = z.object({
  apiVersion: z.enum(REVIEW_VERSIONS as [string, ...string[]]),
  kind: z.literal('AdmissionReview'),
  request: requestSchema,
});

export type ParsedReview = z.infer<typeof reviewSchema>;
