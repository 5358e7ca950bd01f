// A body too small to be scanned on arrival is held to the JSON limits once
// parsed: the walk of its tree agrees with the scan, and the pipeline answers
// it as the reviewer answers a scanned one (same status, same message).
import t from 'tap';
import type { Test } from 'tap';
import fc from 'fast-check';
import pino from 'pino';
import { scanJson } from '../../src/admission/body-scan.ts';
import { DEFAULT_JSON_LIMITS, SCAN_ABOVE_BYTES, scannedBeforeParse, measureTree, type JsonLimits } from '../../src/admission/json-limits.ts';
import { runReview } from '../../src/admission/pipeline.ts';
import { httpAnswer } from '../../src/transport/http-answer.ts';
import { allow, defineValidatingWebhook } from '../../src/index.ts';
import { SchemaRegistry } from '../../src/schemas/registry.ts';

t.test('the walk of a parsed tree says what the scan of its text says', async (t) => {
  const limits = fc.record({ maxDepth: fc.integer({ min: 0, max: 6 }), maxEntries: fc.integer({ min: 0, max: 6 }), maxValues: fc.integer({ min: 1, max: 40 }) });
  // Objects without repeated keys (JSON.stringify writes none): the one place the two may differ.
  fc.assert(fc.property(fc.jsonValue({ maxDepth: 8 }), limits, (value, l: JsonLimits) => {
    const text = JSON.stringify(value);
    return (measureTree(JSON.parse(text), l) !== undefined) === (scanJson(new TextEncoder().encode(text), l).problem === undefined);
  }), { numRuns: 2_000 });
});

t.test('each limit, at its edge', async (t) => {
  const limits = { maxDepth: 2, maxEntries: 3, maxValues: 6 };
  t.ok(measureTree([[1]], limits), 'a value at depth 2');
  t.notOk(measureTree([[[1]]], limits), 'a value at depth 3');
  t.ok(measureTree({ a: 1, b: 2, c: 3 }, limits), '3 entries');
  t.notOk(measureTree({ a: 1, b: 2, c: 3, d: 4 }, limits), '4 entries in an object');
  t.notOk(measureTree([1, 2, 3, 4], limits), '4 entries in an array');
  t.ok(measureTree([[1, 2], [3]], limits), '6 values');
  t.notOk(measureTree([[1, 2], [3, 4]], limits), '7 values');
  const deep = JSON.parse(`${'['.repeat(50_000)}${']'.repeat(50_000)}`) as unknown;
  t.notOk(measureTree(deep, DEFAULT_JSON_LIMITS), '50,000 levels: answered, no stack overflow');
  t.same(measureTree({ a: [1, { b: 'x' }], c: null }, DEFAULT_JSON_LIMITS), { values: 6, depth: 3 }, 'its values and the depth of the deepest');
  t.same(measureTree('x', DEFAULT_JSON_LIMITS), { values: 1, depth: 0 });
  t.equal(scannedBeforeParse(SCAN_ABOVE_BYTES), false);
  t.equal(scannedBeforeParse(SCAN_ABOVE_BYTES + 1), true);
});

const webhook = defineValidatingWebhook({ name: 'limits.example.com', path: '/validate/limits', kinds: ['v1/Pod'], validate: () => allow() });
const schemas = SchemaRegistry.builtin();
const log = pino({ level: 'silent' });
const head = '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"small-1","kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},"operation":"CREATE","userInfo":{"username":"u"}';

async function answer(t: Test, text: string, limits?: JsonLimits) {
  const bytes = new TextEncoder().encode(text);
  t.ok(bytes.length <= SCAN_ABOVE_BYTES, 'small enough to go unscanned');
  const outcome = await runReview(webhook, bytes, { signal: new AbortController().signal, deadline: Date.now() + 10_000, log, schemas, ...(limits && { limits }) });
  return httpAnswer(outcome);
}

t.test('a small body over the limits is answered by the pipeline as the scan would answer it', async (t) => {
  const deep = `${head},"object":{"apiVersion":"v1","kind":"Pod","spec":${'['.repeat(300)}${']'.repeat(300)}}}}`;
  const scan = scanJson(new TextEncoder().encode(deep));
  const denied = await answer(t, deep);
  t.equal(denied.status, 200);
  t.same(JSON.parse(denied.body).response, { uid: 'small-1', allowed: false, status: { code: 422, reason: 'Invalid', message: `v1/Pod is too large to review: ${scan.problem!.message}` } });
  t.match(scan.problem!.message, /nests deeper than 256 levels \(at byte \d+\)/);

  // Not JSON, and over the limits before it stops being JSON: the limit is named, as by a scan.
  const broken = await answer(t, `${head},"object":${'['.repeat(300)},,`);
  t.match(JSON.parse(broken.body).response.status, { code: 422, message: /nests deeper than 256 levels/ });
  const bare = await answer(t, '['.repeat(300));
  t.equal(bare.status, 413);
  t.match(JSON.parse(bare.body), { code: 'KADMIT_BODY_TOO_COMPLEX' });
  const notJson = await answer(t, '{"apiVersion": nope');
  t.equal(notJson.status, 400, 'within the limits and not JSON: the parse error');
  t.match(JSON.parse(notJson.body), { code: 'KADMIT_BODY_NOT_JSON' });
});

t.test('the limits given to the pipeline are the ones applied', async (t) => {
  const review = `${head},"object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"a":"1","b":"2","c":"3","d":"4","e":"5","f":"6","g":"7","h":"8"}},"spec":{"containers":[{"name":"c","image":"i:1"}]}}}}`;
  t.equal(JSON.parse((await answer(t, review)).body).response.allowed, true);
  // The labels (8) are the one object over 7 entries.
  const tight = await answer(t, review, { ...DEFAULT_JSON_LIMITS, maxEntries: 7 });
  t.match(JSON.parse(tight.body).response, { uid: 'small-1', status: { code: 422, message: /has an object with more than 7 entries/ } });
});
