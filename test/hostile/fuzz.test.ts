// Generated reviews, well-formed and not, through the same path serve takes
// after the socket (the scan, the Reviewer, the pipeline, the handlers): kadmit
// never throws, never answers 500, and every 200 is an answer the apiserver
// accepts, bounded in size. KADMIT_FUZZ_RUNS sets the count (the suite runs a
// few hundred; 100,000 for a real run).
import t from 'tap';
import fc from 'fast-check';
import pino from 'pino';
import { Reviewer, inlineExecutor } from '../../src/admission/reviewer.ts';
import { loadSchemaRegistry } from '../../src/admission/schemas.ts';
import { loadWebhooks } from '../../src/webhooks/load.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { httpAnswer, httpStatus } from '../../src/transport/http-answer.ts';
import { judgeAnswer } from '../../src/replay/contract.ts';
import { fixtureWebhook } from '../helpers/server.ts';

const RUNS = Number(process.env.KADMIT_FUZZ_RUNS ?? 300);
const webhooks = (await loadWebhooks(['builtin:pod-security', 'builtin:pod-defaults', fixtureWebhook('probe')], {})).map((l) => l.webhook);
const log = pino({ level: 'silent' });
const reviewer = new Reviewer({
  deadlineMarginMs: 500,
  execute: inlineExecutor({ log, logObjects: true, schemas: await loadSchemaRegistry([], { celCostLimit: 1_000_000 }) }),
  log,
  metrics: createMetrics(),
  httpStatus,
});
const stays = new AbortController().signal;

// Annotations the probe webhooks act on: deny, throw, warnings, audit annotations, labels to set.
const instructions = fc.record({
  'probe/deny': fc.string({ maxLength: 300 }),
  'probe/code': fc.constantFrom('200', '403', '422', '500', '999', 'x'),
  'probe/throw': fc.string({ maxLength: 50 }),
  'probe/warnings': fc.array(fc.string({ maxLength: 200 }), { maxLength: 40 }).map((w) => JSON.stringify(w)),
  'probe/annotations': fc.dictionary(fc.string({ maxLength: 70 }), fc.string({ maxLength: 100 }), { maxKeys: 80 }).map((a) => JSON.stringify(a)),
  'probe/set': fc.dictionary(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), { maxKeys: 5 }).map((a) => JSON.stringify(a)),
}, { requiredKeys: [] });

const objectRecord = fc.record({
    apiVersion: fc.constantFrom('v1', 'apps/v1', 'x'),
    kind: fc.constantFrom('Pod', 'Secret', 'ConfigMap', 'Deployment'),
    metadata: fc.record({ name: fc.string({ maxLength: 20 }), namespace: fc.string({ maxLength: 10 }), annotations: instructions, labels: fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), { maxKeys: 3 }) }, { requiredKeys: [] }),
    spec: fc.anything({ maxDepth: 4 }),
    data: fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 }), { maxKeys: 4 }),
}, { requiredKeys: [] });
const object = fc.oneof(objectRecord, fc.jsonValue({ maxDepth: 4 }), fc.constant(null));

/** Mostly `usual`, now and then `odd`: most reviews get past the envelope, some do not. */
const mostly = <T>(usual: fc.Arbitrary<T>, odd: fc.Arbitrary<unknown>) => fc.oneof({ weight: 19, arbitrary: usual }, { weight: 1, arbitrary: odd });
const gvk = fc.record({ group: fc.constantFrom('', 'apps', 'x.io'), version: mostly(fc.constantFrom('v1', 'v1beta1'), fc.constant('')), kind: mostly(fc.constantFrom('Pod', 'Secret', 'Deployment'), fc.constant('')) });
const request = fc.record({
  uid: mostly(fc.uuid(), fc.oneof(fc.string({ maxLength: 300 }), fc.integer())),
  kind: gvk,
  resource: fc.record({ group: fc.constantFrom('', 'apps'), version: fc.constant('v1'), resource: fc.constantFrom('pods', 'secrets', 'deployments') }),
  name: fc.string({ maxLength: 20 }),
  namespace: fc.string({ maxLength: 20 }),
  operation: mostly(fc.constantFrom('CREATE', 'UPDATE', 'DELETE', 'CONNECT'), fc.constant('PATCH')),
  userInfo: fc.record({ username: fc.string({ maxLength: 10 }), groups: fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }) }, { requiredKeys: [] }),
  object: mostly(objectRecord, object),
  oldObject: object,
  dryRun: mostly(fc.boolean(), fc.constant('yes')),
  options: fc.oneof(fc.constant(null), fc.record({ kind: fc.constant('CreateOptions') })),
}, { requiredKeys: ['uid', 'kind', 'resource', 'operation'] });

const review = fc.record({
  apiVersion: mostly(fc.constantFrom('admission.k8s.io/v1', 'admission.k8s.io/v1beta1'), fc.constant('admission.k8s.io/v2')),
  kind: mostly(fc.constant('AdmissionReview'), fc.constant('Review')),
  request,
}, { requiredKeys: ['apiVersion', 'kind', 'request'] });

const body = fc.oneof(
  { weight: 8, arbitrary: review.map((r) => JSON.stringify(r)) },
  { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')) },
);
const timeout = fc.oneof(fc.constantFrom(undefined, '10s', '1s', '30s', '0s', '-1s', '1h', '500ms', 'x', ''), fc.string({ maxLength: 10 }));

t.test(`${RUNS} generated reviews: no throw, no 500, every 200 accepted by the apiserver's rules`, async (t) => {
  let answered = 0;
  await fc.assert(
    fc.asyncProperty(body, timeout, fc.nat(webhooks.length - 1), async (text, timeoutParam, which) => {
      const webhook = webhooks[which]!;
      const reviewed = await reviewer.review(webhook, new TextEncoder().encode(text), timeoutParam, stays);
      const outcome = reviewed && httpAnswer(reviewed);
      if (outcome === undefined || ![200, 400, 413].includes(outcome.status)) throw new Error(`answered ${outcome?.status}: ${outcome?.body}`);
      if (outcome.body.length > 64 * 1024) throw new Error(`an answer of ${outcome.body.length} bytes`);
      if (outcome.status !== 200) return;
      answered++;
      const sent = JSON.parse(text);
      const judged = judgeAnswer(webhook, sent, { httpStatus: 200, body: outcome.body, latencyMs: 0 });
      const refused = judged.violations.filter((v) => v.check !== 'patch-apply');
      if (refused.length > 0) throw new Error(`the apiserver would refuse: ${JSON.stringify(refused)}`);
    }),
    { numRuns: RUNS },
  );
  t.ok(answered > RUNS / 10, `${answered} of ${RUNS} were answered 200; the rest were refused with 400 or 413`);
});
