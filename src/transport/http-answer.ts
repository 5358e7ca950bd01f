// The one place a review's outcome becomes HTTP: the status and the body the
// transport writes (and replay reports as the wire answer). A decided or
// failurePolicy review is a 200 with its AdmissionReview; a request kadmit cannot
// answer as a review is refused with a 4xx and kadmit's own error body, which
// the apiserver treats as a failed call (its failurePolicy applies). An aborted
// review is written as nothing: the client hung up and its socket is gone.
import { admissionReview, type RequestProblem, type ReviewEnd, type ReviewOutcome } from '../model/outcome.ts';

export interface HttpAnswer {
  status: number;
  body: string;
}

const REFUSAL_STATUS = { 'bad-envelope': 400, 'too-large': 413 } as const;

export function httpStatus(outcome: ReviewOutcome): number {
  return outcome.kind === 'answered' || outcome.kind === 'failed-by-policy' ? 200 : REFUSAL_STATUS[outcome.kind];
}

/** What to write for how a review ended; undefined when nothing is written (aborted). */
export function httpAnswer(outcome: ReviewOutcome): HttpAnswer;
export function httpAnswer(outcome: ReviewEnd): HttpAnswer | undefined;
export function httpAnswer(outcome: ReviewEnd): HttpAnswer | undefined {
  if (outcome.kind === 'aborted') return undefined;
  const status = httpStatus(outcome);
  if (outcome.kind === 'answered' || outcome.kind === 'failed-by-policy') {
    return { status, body: JSON.stringify(admissionReview(outcome.version, { response: outcome.response })) };
  }
  return { status, body: errorBody(outcome.problem) };
}

/** Body of a non-200 reply: the code names the problem for machines, the message for humans. */
export function errorBody(problem: RequestProblem): string {
  const { code, message, issues } = problem;
  return JSON.stringify(issues ? { code, message, issues } : { code, message });
}
