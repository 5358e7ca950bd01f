// Answers written from the head of a review: on time whatever the executor
// does, and never from a parse of the body.
import t from 'tap';
import pino from 'pino';
import { Reviewer, type Executor } from '../../src/admission/reviewer.ts';
import { scanJson } from '../../src/admission/body-scan.ts';
import { SCAN_ABOVE_BYTES } from '../../src/admission/json-limits.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { httpAnswer, httpStatus } from '../../src/transport/http-answer.ts';
import type { Webhook } from '../../src/model/webhook.ts';

const webhook = { name: 'w.test.kadmit.dev', failurePolicy: 'Fail', timeoutSeconds: 10 } as Webhook;
const never: Executor = () => new Promise(() => undefined);
const head = '{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"head-1","kind":{"group":"apps","version":"v1","kind":"Deployment"},"operation":"CREATE","namespace":"team"';
// The head of a review and then no valid JSON at all: a parse would fail.
const unparseable = new TextEncoder().encode(`${head},"object":{"spec": [1, 2,,,`);

// Each review comes back as the transport writes it: status and body.
function reviewer(execute: Executor, lines: object[] = []) {
  const log = pino({ level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l)) });
  const r = new Reviewer({ deadlineMarginMs: 500, execute, log, metrics: createMetrics(), httpStatus });
  return {
    review: async (...args: Parameters<Reviewer['review']>) => {
      const outcome = await r.review(...args);
      return outcome && httpAnswer(outcome);
    },
    shutdown: () => r.shutdown(),
  };
}
const stays = new AbortController().signal;

t.test('the deadline answer carries the uid and version without parsing the body', async (t) => {
  const lines: any[] = [];
  const outcome = await reviewer(never, lines).review(webhook, unparseable, '1ms', stays);
  const reply = JSON.parse(outcome!.body);
  t.equal(outcome!.status, 200);
  t.match(reply, { apiVersion: 'admission.k8s.io/v1beta1', response: { uid: 'head-1', allowed: false, status: { code: 504, reason: 'Timeout' } } });
  t.match(lines.at(-1), { msg: 'review', uid: 'head-1', kind: 'apps/v1/Deployment', operation: 'CREATE', namespace: 'team', decision: 'error', failure: 'deadline-exceeded' });
});

t.test('a body that arrived after its deadline is answered at once, not worked on', async (t) => {
  let called = false;
  const body = { bytes: unparseable, scan: scanJson(unparseable), receivedAt: Date.now() - 60_000 };
  const outcome = await reviewer(() => ((called = true), never(webhook, unparseable, { signal: stays, deadline: 0 }))).review(webhook, body, '10s', stays);
  t.equal(called, false);
  t.equal(JSON.parse(outcome!.body).response.status.code, 504);
});

t.test('shutdown and a broken executor are answered the same way', async (t) => {
  const r = reviewer(never);
  const pending = r.review(webhook, unparseable, '10s', stays);
  r.shutdown();
  t.match(JSON.parse((await pending)!.body).response, { uid: 'head-1', status: { code: 503, message: 'webhook "w.test.kadmit.dev" could not decide: kadmit is shutting down' } });
  const lines: any[] = [];
  const broken = await reviewer(() => Promise.reject(new Error('pool gone: secret detail')), lines).review(webhook, unparseable, '10s', stays);
  const message = JSON.parse(broken!.body).response.status.message;
  t.match(message, /^webhook "w\.test\.kadmit\.dev" failed with an internal error \(error id [0-9a-f]{8}\)$/, 'no internals in the answer');
  t.match(lines.find((l) => l.msg === 'review executor failed'), { err: { message: 'pool gone: secret detail' } });
});

// A body over SCAN_ABOVE_BYTES is scanned before the executor sees it; a smaller one
// is checked by the pipeline once parsed (pipeline-limits.test.ts).
const padding = ' '.repeat(SCAN_ABOVE_BYTES);

t.test('a large body over the JSON limits: a 422 denial with the head, a 413 without one, the executor never asked', async (t) => {
  const r = reviewer(never);
  const deep = new TextEncoder().encode(`${head},"object":${'['.repeat(300)}${']'.repeat(300)}}}${padding}`);
  const denied = await r.review(webhook, deep, '10s', stays);
  t.match(JSON.parse(denied!.body).response, { uid: 'head-1', allowed: false, status: { code: 422, reason: 'Invalid', message: /^apps\/v1\/Deployment is too large to review: the request body nests deeper than 256 levels \(at byte \d+\)$/ } });
  const bare = await r.review(webhook, new TextEncoder().encode('['.repeat(300) + padding), '10s', stays);
  t.equal(bare!.status, 413);
  t.match(JSON.parse(bare!.body), { code: 'KADMIT_BODY_TOO_COMPLEX' });
});

t.test('no usable head: a 400 naming what is missing', async (t) => {
  const noUid = new TextEncoder().encode('{"apiVersion":"admission.k8s.io/v1","request":{"uid":"' + 'u'.repeat(300) + '"');
  const outcome = await reviewer(never).review(webhook, noUid, '1ms', stays);
  t.equal(outcome!.status, 400);
  t.match(JSON.parse(outcome!.body), { code: 'KADMIT_REVIEW_INVALID' });
});
