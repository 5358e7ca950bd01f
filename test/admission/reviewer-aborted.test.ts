// A review whose client hung up ends as an `aborted` outcome, at the seam (no
// sockets): the reviewer returns it instead of an answer, logs it and counts it
// once, and the transport's mapping writes nothing for it.
import t from 'tap';
import { Reviewer } from '../../src/admission/reviewer.ts';
import { heldExecutor } from './held-executor.ts';
import { httpAnswer, httpStatus } from '../../src/transport/http-answer.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { allow, defineValidatingWebhook } from '../../src/index.ts';
import { buildShorthandReview } from '../../src/replay/review.ts';
import { capturedLog, pod } from '../webhooks/support.ts';

const webhook = defineValidatingWebhook({ name: 'aborted.example.com', path: '/validate/aborted', kinds: ['v1/Pod'], validate: () => allow() });
const review = buildShorthandReview({ operation: 'CREATE', object: pod() });
const body = new TextEncoder().encode(JSON.stringify(review));
const uid = (review.request as { uid: string }).uid;

async function counted(metrics: ReturnType<typeof createMetrics>, name: string): Promise<string[]> {
  return (await metrics.registry.getSingleMetricAsString(name)).split('\n').filter((l) => !l.startsWith('#'));
}

t.test('a client that hangs up mid-review: aborted, nothing written, logged and counted once', async (t) => {
  const { log, lines } = capturedLog();
  const metrics = createMetrics();
  const held = heldExecutor(uid);
  const reviewer = new Reviewer({ deadlineMarginMs: 500, execute: held.execute, log, metrics, httpStatus });
  const client = new AbortController();
  const ending = reviewer.review(webhook, body, '10s', client.signal);
  await held.started;
  client.abort();
  const outcome = await ending;
  held.release();
  t.same(outcome, { kind: 'aborted', uid });
  t.equal(httpAnswer(outcome), undefined, 'the transport writes nothing: the socket is gone');

  const abandoned = lines.filter((l) => l.msg === 'review abandoned: client went away');
  t.equal(abandoned.length, 1);
  t.match(abandoned[0], { webhook: webhook.name, uid, abort: 'client-disconnected' });
  t.equal(lines.filter((l) => l.msg === 'review').length, 0, 'no review line for an answer never written');
  t.same(await counted(metrics, 'kadmit_admission_reviews_total'), [`kadmit_admission_reviews_total{webhook="${webhook.name}",operation="unknown",decision="abandoned"} 1`]);
  t.same(await counted(metrics, 'kadmit_admission_aborts_total'), [`kadmit_admission_aborts_total{webhook="${webhook.name}",kind="client-disconnected"} 1`]);
  t.equal(reviewer.inFlightCount, 0);
});

t.test('a client already gone when the body is in: aborted without running the work', async (t) => {
  const { log } = capturedLog();
  const metrics = createMetrics();
  let ran = false;
  const reviewer = new Reviewer({ deadlineMarginMs: 500, execute: async () => { ran = true; throw new Error('must not run'); }, log, metrics, httpStatus });
  const client = new AbortController();
  client.abort();
  const outcome = await reviewer.review(webhook, body, '10s', client.signal);
  t.same(outcome, { kind: 'aborted', uid });
  t.equal(ran, false);
});

t.test('a client that stays gets its answer written', async (t) => {
  const { log } = capturedLog();
  const held = heldExecutor(uid);
  const reviewer = new Reviewer({ deadlineMarginMs: 500, execute: held.execute, log, metrics: createMetrics(), httpStatus });
  const ending = reviewer.review(webhook, body, '10s', new AbortController().signal);
  held.release();
  const outcome = await ending;
  t.equal(outcome.kind, 'answered');
  t.equal(httpAnswer(outcome)?.status, 200);
});
