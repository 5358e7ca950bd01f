// The Reviewer's list of reviews in flight (/debug/inflight), at the seam: oldest
// first whatever slot each review took, and empty once they are answered.
import t from 'tap';
import { Reviewer, type Executor } from '../../src/admission/reviewer.ts';
import { scanJson } from '../../src/admission/body-scan.ts';
import { answered, type ReviewOutcome } from '../../src/model/outcome.ts';
import { httpStatus } from '../../src/transport/http-answer.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { allow, defineValidatingWebhook } from '../../src/index.ts';
import { buildShorthandReview } from '../../src/replay/review.ts';
import { capturedLog, pod } from '../webhooks/support.ts';

const webhook = defineValidatingWebhook({ name: 'inflight.example.com', path: '/validate/inflight', kinds: ['v1/Pod'], validate: () => allow() });

t.test('reviews in flight are listed oldest first, also when a new one takes a freed slot', async (t) => {
  const held: Array<(outcome: ReviewOutcome) => void> = [];
  const execute: Executor = () => new Promise((resolve) => held.push(resolve));
  const reviewer = new Reviewer({ deadlineMarginMs: 500, execute, log: capturedLog().log, metrics: createMetrics(), httpStatus });
  const now = Date.now();
  const arrive = (uid: string, agoMs: number) => {
    const review = buildShorthandReview({ operation: 'CREATE', object: pod() });
    (review.request as { uid: string }).uid = uid;
    const bytes = new TextEncoder().encode(JSON.stringify(review));
    return reviewer.review(webhook, { bytes, scan: scanJson(bytes), receivedAt: now - agoMs }, '10s', new AbortController().signal);
  };
  const uids = () => reviewer.inFlight().map((r) => r.uid);

  const first = arrive('first', 300);
  arrive('second', 200);
  arrive('third', 100);
  await new Promise((resolve) => setImmediate(resolve));
  t.same(uids(), ['first', 'second', 'third']);

  held[0]!(answered('admission.k8s.io/v1', { uid: 'first', allowed: true }, { decision: 'allowed', code: 200, uid: 'first' }));
  await first;
  arrive('fourth', 0); // takes the slot the first one left
  await new Promise((resolve) => setImmediate(resolve));
  t.same(uids(), ['second', 'third', 'fourth']);
  t.equal(reviewer.inFlightCount, 3);

  for (const [i, uid] of ['second', 'third', 'fourth'].entries()) held[i + 1]!(answered('admission.k8s.io/v1', { uid, allowed: true }, { decision: 'allowed', code: 200, uid }));
  await new Promise((resolve) => setImmediate(resolve));
  t.same(uids(), []);
  t.equal(reviewer.inFlightCount, 0);
});
