// What one review came to, before anyone has chosen an HTTP status or written a
// byte: the pipeline (on this thread or in a worker) returns a ReviewOutcome, the
// reviewer a ReviewEnd (an outcome, or `aborted` when the client hung up first),
// and src/transport/http-answer.ts alone turns either into a status and a body, or
// into nothing written for an aborted review (the client's socket is gone).
import type { ErrorCode } from '../error-codes.ts';
import type { AdmissionResponse, ReviewVersion } from './request.ts';

/** `skipped`: the webhook's guards left the review out; the handler was not called. */
export type Decision = 'allowed' | 'denied' | 'mutated' | 'skipped' | 'error' | 'invalid';

/** The facts of one review that its log line, metrics and span carry. */
export interface ReviewSummary {
  decision: Decision;
  /**
   * The code the review was answered with: status.code of a denial or failurePolicy
   * answer, else 200; for a refused request, the HTTP status the transport chose.
   */
  code: number;
  uid?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  operation?: string;
  dryRun?: boolean;
  errorId?: string;
  /** Why the failurePolicy answered, or why the request was refused. */
  failure?: string;
  /** Which guard skipped the review, when one did. */
  skipped?: string;
}

/** A refused request's summary: its code is the HTTP status, which only the transport chooses. */
export type RefusalSummary = Omit<ReviewSummary, 'code'>;

/** A problem with the request itself, shown to whoever sent it. */
export interface RequestProblem {
  code: ErrorCode;
  message: string;
  issues?: readonly { path: string; message: string }[];
}

export type ReviewOutcome =
  /** The webhook decided (allowed, denied, mutated, skipped, or denied before the handler ran). */
  | { readonly kind: 'answered'; version: ReviewVersion; response: AdmissionResponse; summary: ReviewSummary }
  /** The webhook could not decide (threw, late, shutdown, worker died): answered by its failurePolicy. */
  | { readonly kind: 'failed-by-policy'; version: ReviewVersion; response: AdmissionResponse; summary: ReviewSummary }
  /** The body is no AdmissionReview kadmit can answer (not JSON, a bad envelope, no usable uid). */
  | { readonly kind: 'bad-envelope'; problem: RequestProblem; summary: RefusalSummary }
  /** The body is over the JSON limits and carries no review to deny. */
  | { readonly kind: 'too-large'; problem: RequestProblem; summary: RefusalSummary };

/** The client hung up (the request was aborted) before an answer could be written: there is nobody to answer. */
export interface AbortedReview {
  readonly kind: 'aborted';
  uid: string | undefined;
}

/** How a review ended: an outcome to write, or aborted. */
export type ReviewEnd = ReviewOutcome | AbortedReview;

export function answered(version: ReviewVersion, response: AdmissionResponse, summary: ReviewSummary): ReviewOutcome {
  return { kind: 'answered', version, response, summary };
}

export function failedByPolicy(version: ReviewVersion, response: AdmissionResponse, summary: ReviewSummary): ReviewOutcome {
  return { kind: 'failed-by-policy', version, response, summary };
}

export function aborted(uid: string | undefined): AbortedReview {
  return { kind: 'aborted', uid };
}

/** The one AdmissionReview builder: a request to send or a response to answer with, in the review's version. */
export function admissionReview<P extends { request: Record<string, unknown> } | { response: AdmissionResponse }>(version: string, part: P): { apiVersion: string; kind: 'AdmissionReview' } & P {
  return { apiVersion: version, kind: 'AdmissionReview', ...part };
}
