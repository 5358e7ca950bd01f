// The answer kadmit gives when a webhook could not decide (it threw, ran out of
// time, or its worker died): by the webhook's failurePolicy, never a bare 500.
import { randomUUID } from 'node:crypto';
import type { AdmissionResponse } from '../model/request.ts';
import type { FailurePolicy } from '../model/webhook.ts';
import { sanitizeWarnings } from './warnings.ts';

export const FAILED_OPEN_ANNOTATION = 'failed-open';

/** Names one failure in the answer and in the log line that has its details (never shown to users). */
export function newErrorId(): string {
  return randomUUID().slice(0, 8);
}

export function failureResponse(
  uid: string,
  webhook: { name: string; failurePolicy: FailurePolicy },
  problem: string,
  code = 500,
): AdmissionResponse {
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
