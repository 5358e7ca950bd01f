// The one mapping from a review's outcome to HTTP: which status each kind of
// outcome is written with, and the body that goes with it.
import t from 'tap';
import { answered, failedByPolicy, type ReviewOutcome } from '../../src/model/outcome.ts';
import { httpAnswer, httpStatus } from '../../src/transport/http-answer.ts';

const summary = { decision: 'allowed', code: 200, uid: 'u-1' } as const;

t.test('a decided or failurePolicy review is a 200 carrying its AdmissionReview in its version', async (t) => {
  const decided = httpAnswer(answered('admission.k8s.io/v1beta1', { uid: 'u-1', allowed: true }, { ...summary }));
  t.equal(decided.status, 200);
  t.equal(decided.body, '{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","response":{"uid":"u-1","allowed":true}}');
  const failed = failedByPolicy('admission.k8s.io/v1', { uid: 'u-1', allowed: false, status: { code: 504, message: 'late', reason: 'Timeout' } }, { ...summary, decision: 'error', code: 504 });
  t.equal(httpStatus(failed), 200, 'the failurePolicy answer is a review answer, not an HTTP failure');
  t.match(JSON.parse(httpAnswer(failed).body), { kind: 'AdmissionReview', response: { allowed: false, status: { code: 504 } } });
});

t.test('a request kadmit cannot answer as a review is refused with its own error body', async (t) => {
  const bad: ReviewOutcome = { kind: 'bad-envelope', problem: { code: 'KADMIT_REVIEW_INVALID', message: 'no uid', issues: [{ path: 'request.uid', message: 'required' }] }, summary: { decision: 'invalid' } };
  t.same(httpAnswer(bad), { status: 400, body: '{"code":"KADMIT_REVIEW_INVALID","message":"no uid","issues":[{"path":"request.uid","message":"required"}]}' });
  const large: ReviewOutcome = { kind: 'too-large', problem: { code: 'KADMIT_BODY_TOO_COMPLEX', message: 'too deep' }, summary: { decision: 'invalid' } };
  t.same(httpAnswer(large), { status: 413, body: '{"code":"KADMIT_BODY_TOO_COMPLEX","message":"too deep"}' });
  t.equal(httpStatus(large), 413);
});
