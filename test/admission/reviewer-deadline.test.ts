// The Reviewer's deadline at the seam (no sockets), on a mocked clock: Node's
// MockTimers stand in for Date and setTimeout, which the Reviewer and its
// review signal read, so a budget of seconds runs out in no time and to the
// millisecond. The HTTPS tests (test/workers/abort-kinds.test.ts) prove the same
// answers on the wire.
import t, { type Test } from 'tap';
import { mock } from 'node:test';
import { Reviewer } from '../../src/admission/reviewer.ts';
import { heldExecutor } from './held-executor.ts';
import { scanJson } from '../../src/admission/body-scan.ts';
import { DEFAULT_JSON_LIMITS } from '../../src/admission/json-limits.ts';
import type { ReviewEnd } from '../../src/model/outcome.ts';
import { httpStatus } from '../../src/transport/http-answer.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { allow, defineValidatingWebhook } from '../../src/index.ts';
import { buildShorthandReview } from '../../src/replay/review.ts';
import { capturedLog, pod } from '../webhooks/support.ts';

const webhook = defineValidatingWebhook({ name: 'deadline.example.com', path: '/validate/deadline', kinds: ['v1/Pod'], timeoutSeconds: 4, validate: () => allow() });
const review = buildShorthandReview({ operation: 'CREATE', object: pod() });
const body = new TextEncoder().encode(JSON.stringify(review));
const uid = (review.request as { uid: string }).uid;
const MARGIN_MS = 500;

/** Date and setTimeout mocked for the rest of the subtest. */
function mockClock(t: Test): void {
  mock.timers.enable({ apis: ['Date', 'setTimeout'], now: Date.parse('2026-12-07T12:00:00Z') });
  t.teardown(() => mock.timers.reset());
}

/** Lets promise callbacks run (mocked timers do not move on their own). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function settled(ending: Promise<ReviewEnd>): () => ReviewEnd | undefined {
  let end: ReviewEnd | undefined;
  void ending.then((e) => (end = e));
  return () => end;
}

t.test('work that outlasts its budget is answered by failurePolicy at the deadline to the millisecond; its late result is discarded and counted', async (t) => {
  mockClock(t);
  const { log, lines } = capturedLog();
  const metrics = createMetrics();
  const held = heldExecutor(uid);
  const reviewer = new Reviewer({ deadlineMarginMs: MARGIN_MS, execute: held.execute, log, metrics, httpStatus });
  // The earlier of ?timeout= and the webhook's timeoutSeconds (4 s), less the margin.
  const outcome = settled(reviewer.review(webhook, body, '3s', new AbortController().signal));
  await settle();
  t.equal(held.starts(), 1);
  mock.timers.tick(3_000 - MARGIN_MS - 1);
  await settle();
  t.equal(outcome(), undefined, 'still running 1 ms before the budget (?timeout=3s less the margin) is spent');
  mock.timers.tick(1);
  await settle();
  t.match(outcome(), { kind: 'failed-by-policy', response: { uid, allowed: false, status: { code: 504, message: /did not decide within 2\.5s/ } }, summary: { decision: 'error', failure: 'deadline-exceeded' } });
  t.equal(reviewer.inFlightCount, 0);

  held.release();
  await settle();
  t.match(lines.find((l) => l.msg === 'late handler result discarded'), { webhook: webhook.name, abort: 'deadline-exceeded', lateDecision: 'allowed' });
  const late = await metrics.registry.getSingleMetricAsString('kadmit_admission_late_results_total');
  t.match(late, new RegExp(`kadmit_admission_late_results_total\\{webhook="${webhook.name}"\\} 1`));
});

t.test('a body that took the whole budget to arrive is answered at once, the work never started', async (t) => {
  mockClock(t);
  const { log } = capturedLog();
  const held = heldExecutor(uid);
  const reviewer = new Reviewer({ deadlineMarginMs: MARGIN_MS, execute: held.execute, log, metrics: createMetrics(), httpStatus });
  // The apiserver's clock started when the body began to arrive, 2.5 s ago: the whole budget for ?timeout=3s.
  const received = { bytes: body, scan: scanJson(body, DEFAULT_JSON_LIMITS), receivedAt: Date.now() - (3_000 - MARGIN_MS) };
  const ending = reviewer.review(webhook, received, '3s', new AbortController().signal);
  await settle();
  t.equal(held.starts(), 0);
  held.release(); // so that a regression fails on the answer below instead of hanging
  t.match(await ending, { kind: 'failed-by-policy', summary: { failure: 'deadline-exceeded' } });
});

t.test("without a usable ?timeout= the webhook's timeoutSeconds is the budget, and that is logged once per webhook", async (t) => {
  mockClock(t);
  const { log, lines } = capturedLog();
  const held = heldExecutor(uid);
  const reviewer = new Reviewer({ deadlineMarginMs: MARGIN_MS, execute: held.execute, log, metrics: createMetrics(), httpStatus });
  const first = settled(reviewer.review(webhook, body, undefined, new AbortController().signal));
  const second = settled(reviewer.review(webhook, body, 'soon', new AbortController().signal));
  await settle();
  mock.timers.tick(4_000 - MARGIN_MS - 1);
  await settle();
  t.equal(first(), undefined);
  t.equal(second(), undefined);
  mock.timers.tick(1);
  await settle();
  t.match(first(), { summary: { failure: 'deadline-exceeded' } }, 'timeoutSeconds: 4 less the margin');
  t.match(second(), { summary: { failure: 'deadline-exceeded' } });
  const fallbacks = lines.filter((l) => String(l.msg).startsWith('?timeout= is missing or unusable'));
  t.equal(fallbacks.length, 1, 'one line for the webhook, not one per review');
  t.match(fallbacks[0], { webhook: webhook.name, problem: 'missing', usedMs: 4_000 });
  held.release();
});
