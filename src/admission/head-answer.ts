// Answers written from the head of a review (apiVersion, uid and the fields a
// log line names, read off the bytes by body-scan.ts) instead of a parse: the
// failurePolicy answer at the deadline, at shutdown or when the executor broke,
// and the denial of a body over the JSON limits. No path here parses the body,
// so none of them can be late because the body is large.
import type { Webhook } from '../model/webhook.ts';
import type { ReviewHead } from './body-scan.ts';
import type { LimitProblem } from './json-limits.ts';
import { failedOutcome, type Unfinished } from './failure.ts';
import { formatGvk, MAX_UID_LENGTH, REVIEW_VERSIONS, type AdmissionResponse, type ReviewVersion } from '../model/request.ts';
import { answered, type RefusalSummary, type ReviewOutcome } from '../model/outcome.ts';

interface Answerable {
  version: ReviewVersion;
  uid: string;
}

/** The version and uid an answer needs, when the head has usable ones. */
function answerable(head: ReviewHead): Answerable | undefined {
  const version = REVIEW_VERSIONS.find((v) => v === head.apiVersion);
  if (version === undefined || head.uid === undefined || head.uid === '' || head.uid.length > MAX_UID_LENGTH) return undefined;
  return { version, uid: head.uid };
}

/** The log line's and metrics' view of a review, from its head. */
export function summaryFromHead(head: ReviewHead): RefusalSummary {
  const summary: RefusalSummary = { decision: 'invalid' };
  if (head.uid !== undefined) summary.uid = head.uid;
  if (head.version !== undefined && head.resourceKind !== undefined) summary.kind = formatGvk({ group: head.group ?? '', version: head.version, kind: head.resourceKind });
  if (head.operation !== undefined) summary.operation = head.operation;
  if (head.namespace) summary.namespace = head.namespace;
  if (head.name) summary.name = head.name;
  if (head.dryRun !== undefined) summary.dryRun = head.dryRun;
  return summary;
}

/** The failurePolicy answer for work that did not finish; a bad envelope when the body is no review to answer. */
export function unfinishedAnswer(webhook: Webhook, head: ReviewHead, unfinished: Unfinished): ReviewOutcome {
  const review = answerable(head);
  const summary = summaryFromHead(head);
  if (review === undefined) return notAReview({ ...summary, failure: unfinished.cause, ...(unfinished.errorId !== undefined && { errorId: unfinished.errorId }) });
  return failedOutcome(webhook, review, summary, unfinished);
}

/**
 * A body over the JSON limits: denied with 422, like an object over the schema
 * check's bounds (a failurePolicy of Ignore must not let it through); too large
 * to answer when the body is no review.
 */
export function overLimitAnswer(head: ReviewHead, problem: LimitProblem): ReviewOutcome {
  const review = answerable(head);
  const summary = summaryFromHead(head);
  summary.failure = 'limits';
  if (review === undefined) return { kind: 'too-large', problem: { code: 'KADMIT_BODY_TOO_COMPLEX', message: problem.message }, summary };
  const what = summary.kind ?? 'the object';
  const response: AdmissionResponse = { uid: review.uid, allowed: false, status: { code: 422, message: `${what} is too large to review: ${problem.message}`, reason: 'Invalid' } };
  return answered(review.version, response, { ...summary, decision: 'denied', code: 422 });
}

function notAReview(summary: RefusalSummary): ReviewOutcome {
  const message = 'invalid AdmissionReview: no apiVersion admission.k8s.io/v1 or v1beta1 with a request.uid';
  return { kind: 'bad-envelope', problem: { code: 'KADMIT_REVIEW_INVALID', message }, summary };
}
