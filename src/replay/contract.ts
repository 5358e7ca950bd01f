// Judges an answer the way the apiserver would before any expectation is
// looked at: an answer it would refuse is a failure whatever the fixture
// expects. The apiserver reads only HTTP 200-206 bodies; any other status, an
// empty or unparseable body is a failed call, answered by failurePolicy. A
// reply must be an AdmissionReview of the request's apiVersion whose
// response.uid is the request's, and a missing `allowed` means denied.
// patch and patchType come together (never from a validating webhook, never
// on DELETE or CONNECT), and a patch that does not apply fails the request
// with 500 whatever the failurePolicy.
import type { PatchOperation } from '../admission/patch.ts';
import { errorMessage } from '../errors.ts';
import { isObject } from '../json.ts';
import { applyPatch } from './apply-patch.ts';
import type { Webhook } from '../model/webhook.ts';
import type { Answer } from './answer.ts';
import type { ReviewDocument } from './review.ts';
import type { Failure } from './types.ts';
import { preview } from './diff.ts';

export interface Judged {
  violations: Failure[];
  /** `response` of the reply, when the reply was an AdmissionReview at all. */
  response: Record<string, unknown> | undefined;
  /** The decoded patch; [] when the answer carried none. */
  patch: PatchOperation[];
  /** The request object with the patch applied (the object itself without a patch). */
  patchedObject: unknown;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function judgeAnswer(webhook: Webhook, review: ReviewDocument, answer: Answer): Judged {
  const request = review.request;
  const violations: Failure[] = [];
  const judged: Judged = { violations, response: undefined, patch: [], patchedObject: request.object ?? null };
  const failedCall = (message: string) => {
    violations.push({ check: 'call', message: `${message}; the apiserver would apply failurePolicy ${webhook.failurePolicy}` });
    return judged;
  };
  const contract = (message: string, expected?: unknown, actual?: unknown) =>
    violations.push({ check: 'contract', message, ...(expected !== undefined && { expected }), ...(actual !== undefined && { actual }) });

  if (answer.error !== undefined) return failedCall(answer.error);
  if (answer.httpStatus < 200 || answer.httpStatus > 206) return failedCall(`HTTP ${answer.httpStatus} (only 200-206 bodies are read): ${preview(answer.body)}`);
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    return failedCall(`the body is not JSON: ${preview(answer.body)}`);
  }
  if (!isObject(body)) return failedCall(`the body is not an AdmissionReview: ${preview(body)}`);
  if (body.apiVersion !== review.apiVersion) contract(`apiVersion must echo the request's`, review.apiVersion, body.apiVersion);
  if (body.kind !== 'AdmissionReview') contract('kind must be AdmissionReview', 'AdmissionReview', body.kind);
  const response = body.response;
  if (!isObject(response)) {
    contract('the reply has no response object');
    return judged;
  }
  judged.response = response;
  if (response.uid !== request.uid) contract('response.uid must equal request.uid', request.uid, response.uid);
  if (typeof response.allowed !== 'boolean') contract('response.allowed must be a boolean (the apiserver reads a missing one as a denial)', 'true or false', response.allowed);
  if (response.warnings !== undefined && !(Array.isArray(response.warnings) && response.warnings.every((w) => typeof w === 'string'))) {
    contract('response.warnings must be a list of strings', undefined, response.warnings);
  }
  if (response.auditAnnotations !== undefined && !(isObject(response.auditAnnotations) && Object.values(response.auditAnnotations).every((v) => typeof v === 'string'))) {
    contract('response.auditAnnotations must map strings to strings', undefined, response.auditAnnotations);
  }

  const hasPatch = response.patch !== undefined && response.patch !== null;
  const hasType = response.patchType !== undefined && response.patchType !== null;
  if (!hasPatch && !hasType) return judged;
  if (webhook.type === 'validating') contract('a validating webhook must not return patch or patchType', '(absent)', { patch: response.patch, patchType: response.patchType });
  if (hasPatch !== hasType) {
    contract('patch and patchType must come together', undefined, { patch: response.patch, patchType: response.patchType });
    return judged;
  }
  if (response.patchType !== 'JSONPatch') contract('patchType must be "JSONPatch"', 'JSONPatch', response.patchType);
  if (request.operation === 'DELETE' || request.operation === 'CONNECT') {
    contract(`a patch on ${String(request.operation)} fails the request with 500, whatever the failurePolicy`);
  }
  if (typeof response.patch !== 'string' || !BASE64.test(response.patch)) {
    contract('patch must be a base64 string', undefined, response.patch);
    return judged;
  }
  let ops: unknown;
  try {
    ops = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8'));
  } catch {
    ops = undefined;
  }
  if (!Array.isArray(ops)) {
    contract('patch must be base64 of a JSON array of operations (RFC 6902)', undefined, Buffer.from(response.patch, 'base64').toString('utf8'));
    return judged;
  }
  judged.patch = ops as PatchOperation[];
  try {
    judged.patchedObject = applyPatch(request.object, judged.patch);
  } catch (err) {
    contract(`the patch does not apply to the object; the apiserver fails the request with 500: ${errorMessage(err)}`);
  }
  return judged;
}
