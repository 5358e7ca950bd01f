// The fixture format, as zod schemas: a case document (what to send, to which
// webhook, and what to expect), the expectations, and the sidecar file that
// holds expectations for raw reviews. docs/replay.md documents the same.
import { z } from 'zod';
import { OPERATIONS } from '../model/request.ts';
import { parseGoDuration } from '../admission/deadline.ts';
import { labelsSchema } from '../config/labels-schema.ts';
import { isObject } from '../json.ts';

const plainObject = z.custom<Record<string, unknown>>(
  isObject,
  { message: 'expected a mapping' },
);
const objectOrNull = z.union([plainObject, z.null()], { message: 'expected a mapping or null' });

function validRegex(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

/** A string is matched exactly; `{matches: RE}` by a JavaScript regular expression (unanchored). */
export const textMatcher = z.union([
  z.string(),
  z.strictObject({ matches: z.string().refine(validRegex, 'expected a valid regular expression') }),
], { message: 'expected a string (exact) or {matches: "regular expression"}' });

const present = z.custom<unknown>((v) => v !== undefined, { message: 'required' });
const pointer = z.string().refine((p) => p === '' || p.startsWith('/'), 'expected a JSON pointer ("" or starting with "/")');
export const patchOperation = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('add'), path: pointer, value: present }),
  z.strictObject({ op: z.literal('replace'), path: pointer, value: present }),
  z.strictObject({ op: z.literal('test'), path: pointer, value: present }),
  z.strictObject({ op: z.literal('remove'), path: pointer }),
  z.strictObject({ op: z.literal('move'), from: pointer, path: pointer }),
  z.strictObject({ op: z.literal('copy'), from: pointer, path: pointer }),
], { message: 'expected an operation: add, remove, replace, move, copy or test' });

const latency = z.union([
  z.number().positive('expected a positive number of milliseconds'),
  z.string().refine((s) => (parseGoDuration(s) ?? 0) > 0, 'expected a positive duration such as "50ms" or "1.5s"'),
]);

export const expectationSchema = z.strictObject({
  /** Would the apiserver send this request to the webhook at all (rules, selectors, matchConditions)? */
  sent: z.boolean().optional(),
  allowed: z.boolean().optional(),
  code: z.number().int().min(100).max(599).optional(),
  message: textMatcher.optional(),
  reason: textMatcher.optional(),
  warnings: z.array(textMatcher).optional(),
  auditAnnotations: z.record(z.string(), textMatcher).optional(),
  patch: z.array(patchOperation).nullable().optional(),
  object: plainObject.optional(),
  idempotent: z.literal(true, { message: 'expected true (leave it out to skip the check)' }).optional(),
  maxLatency: latency.optional(),
}).superRefine((expect, ctx) => {
  if (expect.sent !== false) return;
  for (const key of Object.keys(expect)) {
    if (key !== 'sent') ctx.addIssue({ code: 'custom', path: [key], message: 'sent: false expects no answer: nothing else can be checked' });
  }
});
export type Expectation = z.infer<typeof expectationSchema>;
export type TextMatcher = z.infer<typeof textMatcher>;

const userInfo = z.strictObject({
  username: z.string().optional(),
  uid: z.string().optional(),
  groups: z.array(z.string()).optional(),
  extra: z.record(z.string(), z.array(z.string())).optional(),
});

const common = {
  name: z.string().min(1).optional(),
  webhook: z.string().min(1).optional(),
  timeout: z.string().min(1).optional(),
  /** The labels of the request's namespace, for the webhooks' namespaceSelector. */
  namespaceLabels: labelsSchema.optional(),
};

const SHORTHAND_KEYS = ['operation', 'object', 'oldObject', 'namespace', 'resourceName', 'resource', 'subResource', 'userInfo', 'dryRun', 'options'] as const;

export const caseSchema = z
  .strictObject({
    ...common,
    review: plainObject.optional(),
    request: plainObject.optional(),
    operation: z.enum(OPERATIONS as [string, ...string[]]).optional(),
    object: objectOrNull.optional(),
    oldObject: objectOrNull.optional(),
    namespace: z.string().optional(),
    resourceName: z.string().min(1).optional(),
    resource: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'expected a plural resource name such as "pods"').optional(),
    subResource: z.string().optional(),
    userInfo: userInfo.optional(),
    dryRun: z.boolean().optional(),
    options: objectOrNull.optional(),
    expect: expectationSchema.optional(),
  })
  .superRefine((doc, ctx) => {
    const forms = (['review', 'request', 'operation'] as const).filter((k) => doc[k] !== undefined);
    if (forms.length !== 1) {
      ctx.addIssue({ code: 'custom', path: [], message: forms.length === 0
        ? 'expected one of review:, request: or operation: (with object:/oldObject:)'
        : `expected only one of review:, request: and operation: (found ${forms.join(', ')})` });
      return;
    }
    if (doc.operation === undefined) {
      for (const key of SHORTHAND_KEYS) {
        if (doc[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `belongs to the shorthand form; with ${forms[0]}: put it inside the ${forms[0]}` });
      }
      return;
    }
    const op = doc.operation;
    const need = (key: 'object' | 'oldObject', why: string) => {
      if (!doc[key]) ctx.addIssue({ code: 'custom', path: [key], message: `required for ${op} (${why})` });
    };
    if (op === 'CREATE' || op === 'UPDATE') need('object', 'the object being written');
    if (op === 'UPDATE' || op === 'DELETE') need('oldObject', 'the object as stored');
    if (op === 'DELETE' && doc.object) ctx.addIssue({ code: 'custom', path: ['object'], message: 'must be left out for DELETE (the apiserver sends null)' });
    if (op === 'CONNECT' && doc.oldObject) ctx.addIssue({ code: 'custom', path: ['oldObject'], message: 'must be left out for CONNECT' });
    const key = op === 'DELETE' ? 'oldObject' : doc.object ? 'object' : 'oldObject';
    const source = doc[key];
    if (!source) {
      if (op === 'CONNECT') ctx.addIssue({ code: 'custom', path: ['object'], message: 'required for CONNECT (the options object, e.g. PodExecOptions), to know the kind' });
      return;
    }
    for (const field of ['apiVersion', 'kind'] as const) {
      if (typeof source[field] !== 'string' || source[field] === '') {
        ctx.addIssue({ code: 'custom', path: [key, field], message: 'required: the request kind and resource are derived from it' });
      }
    }
  });
export type CaseDocument = z.infer<typeof caseSchema>;

/** One document of `<fixture>.expect.yaml`: expectations for raw document N of the fixture file. */
export const sidecarSchema = z.strictObject({
  document: z.number().int().min(1, 'expected a document number, counting from 1'),
  ...common,
  expect: expectationSchema,
});
export type SidecarDocument = z.infer<typeof sidecarSchema>;
