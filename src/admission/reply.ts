// Serialises replies. One place knows the wire shape of an AdmissionReview
// response and of kadmit's own HTTP error bodies.
import type { AdmissionResponse, ReviewVersion } from '../model/request.ts';
import { KadmitError } from '../errors.ts';
import type { ErrorCode } from '../error-codes.ts';

// What a handler can make large is capped, so a reply is bounded whatever it returns.
/** A denial's message (kubectl shows it; 20 MB would be written to the user and the audit log). */
export const MAX_DENY_MESSAGE = 4096;
export const MAX_DENY_REASON = 128;
/** A JSON patch, before base64. The apiserver stores objects of at most ~1.5 MiB: no real patch comes near. */
export const MAX_PATCH_BYTES = 4 * 1024 * 1024;

/** The base64 patch, or an error (answered by failurePolicy) when it decodes to more than MAX_PATCH_BYTES. */
export function checkPatchSize(base64: string): string {
  const bytes = Math.floor(base64.length / 4) * 3;
  if (bytes > MAX_PATCH_BYTES) {
    throw new KadmitError('KADMIT_PATCH_TOO_LARGE', `the mutation makes a JSON patch of about ${bytes} bytes; at most ${MAX_PATCH_BYTES} are sent`);
  }
  return base64;
}

/** `skipped`: the webhook's guards left the review out; the handler was not called. */
export type Decision = 'allowed' | 'denied' | 'mutated' | 'skipped' | 'error' | 'invalid';

/** What the transport writes, plus the facts the log line and metrics need. */
export interface ReviewOutcome {
  status: number;
  body: string;
  summary: ReviewSummary;
}

export interface ReviewSummary {
  decision: Decision;
  code: number;
  uid?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  operation?: string;
  dryRun?: boolean;
  errorId?: string;
  /** Why the failurePolicy answered, when it did. */
  failure?: string;
  /** Which guard skipped the review, when one did. */
  skipped?: string;
}

export function reviewBody(version: ReviewVersion, response: AdmissionResponse): string {
  return JSON.stringify({ apiVersion: version, kind: 'AdmissionReview', response });
}

/** Body of a non-200 reply: the apiserver treats it as a failed call, humans read it. */
export function errorBody(code: ErrorCode, message: string, issues?: readonly { path: string; message: string }[]): string {
  return JSON.stringify(issues ? { code, message, issues } : { code, message });
}
