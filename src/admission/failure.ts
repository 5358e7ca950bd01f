// The one failure path: every way a webhook can fail to decide (its handler
// threw, its kind is not handled, the deadline passed, kadmit is shutting down,
// the executor or its worker broke) ends in failedOutcome(), which builds the
// answer by the webhook's failurePolicy (never a bare 500) and the review's
// summary. The reviewer then logs the review once and counts it once; an
// unexpected error is logged once more, with its details, by internalError().
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AdmissionResponse, ReviewVersion } from '../model/request.ts';
import type { FailurePolicy } from '../model/webhook.ts';
import { failedByPolicy, type RefusalSummary, type ReviewOutcome } from '../model/outcome.ts';
import { sanitizeWarnings } from './warnings.ts';

export const FAILED_OPEN_ANNOTATION = 'failed-open';

/** Why the webhook did not decide. */
export interface Unfinished {
  /** The metric and log cause: handler-error, kind-not-handled, deadline-exceeded, shutdown, executor-error. */
  cause: string;
  /** `did not decide within 1.5s`, following `webhook "<name>" `. */
  problem: string;
  code: number;
  /** Names the log line that has the details of an unexpected error. */
  errorId?: string;
}

interface FailingWebhook {
  name: string;
  failurePolicy: FailurePolicy;
}

/** The failurePolicy answer to a review, with its summary. */
export function failedOutcome(webhook: FailingWebhook, review: { version: ReviewVersion; uid: string }, summary: RefusalSummary, unfinished: Unfinished): ReviewOutcome {
  const response = failureResponse(review.uid, webhook, unfinished.problem, unfinished.code);
  return failedByPolicy(review.version, response, {
    ...summary,
    decision: 'error',
    code: response.status?.code ?? 200,
    failure: unfinished.cause,
    ...(unfinished.errorId !== undefined && { errorId: unfinished.errorId }),
  });
}

/**
 * An unexpected error: logged with its details under a new error id; the
 * answer names only the id, never the error (it may hold anything).
 */
export function internalError(log: Logger, message: string, fields: Record<string, unknown>, err: unknown, cause: string): Unfinished {
  const errorId = randomUUID().slice(0, 8);
  log.error({ ...fields, errorId, err }, message);
  return { cause, problem: `failed with an internal error (error id ${errorId})`, code: 500, errorId };
}

function failureResponse(uid: string, webhook: FailingWebhook, problem: string, code: number): AdmissionResponse {
  const message = `webhook "${webhook.name}" ${problem}`;
  if (webhook.failurePolicy === 'Ignore') {
    return {
      uid,
      allowed: true,
      warnings: sanitizeWarnings([`webhook "${webhook.name}" failed open: ${problem}`]),
      auditAnnotations: { [FAILED_OPEN_ANNOTATION]: message },
    };
  }
  return { uid, allowed: false, status: { code, message, reason: code === 504 ? 'Timeout' : 'InternalError' } };
}
