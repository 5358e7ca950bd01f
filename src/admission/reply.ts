// Serialises replies. One place knows the wire shape of an AdmissionReview
// response and of kadmit's own HTTP error bodies.
import type { AdmissionResponse, ReviewVersion } from './request.ts';

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
export function errorBody(code: string, message: string, issues?: readonly { path: string; message: string }[]): string {
  return JSON.stringify(issues ? { code, message, issues } : { code, message });
}
