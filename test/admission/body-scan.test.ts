// The streaming scan: the head fields of a review read off the bytes, and the
// limits on depth, entries and values, whatever the chunking.
import t from 'tap';
import fc from 'fast-check';
import { JsonScanner, scanJson, MAX_HEAD_VALUE } from '../../src/admission/body-scan.ts';
import { DEFAULT_JSON_LIMITS, type JsonLimits } from '../../src/admission/json-limits.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const review = (request: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request, ...extra });

t.test('reads the head of a review, as JSON.parse would see it', async (t) => {
  const body = review({
    uid: 'a\\"b\u00e9',
    kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
    namespace: 'team-a', name: 'web', operation: 'UPDATE', dryRun: true,
    object: { metadata: { uid: 'not-this-one', name: 'nor-this' }, request: { uid: 'nor-this' } },
  });
  const { head, problem } = scanJson(bytes(body));
  t.equal(problem, undefined);
  t.same(head, { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', uid: 'a\\"b\u00e9', group: 'apps', version: 'v1', resourceKind: 'Deployment', namespace: 'team-a', name: 'web', operation: 'UPDATE', dryRun: true });
  // Duplicate keys: the last one wins, as with JSON.parse.
  const dup = scanJson(bytes('{"apiVersion":"x","request":{"uid":"first","uid":"second"},"apiVersion":"admission.k8s.io/v1beta1"}')).head;
  t.equal(dup.uid, JSON.parse('{"uid":"first","uid":"second"}').uid);
  const escapedKey = '{"request":{"uid":"a","ui\\u0064":"b"}}';
  t.equal(scanJson(bytes(escapedKey)).head.uid, JSON.parse(escapedKey).request.uid, 'keys are read decoded, as JSON.parse reads them');
  t.equal(dup.apiVersion, 'admission.k8s.io/v1beta1');
});

t.test('keys named like Object.prototype members are plain keys', async (t) => {
  const body = '{"constructor":{"uid":"no"},"toString":"no","request":{"__proto__":{"uid":"no"},"hasOwnProperty":"no","uid":"yes","kind":{"constructor":"no","kind":"Pod"}}}';
  t.same(scanJson(bytes(body)).head, { uid: 'yes', resourceKind: 'Pod' });
});

t.test('leaves out head values that are too long or of the wrong type', async (t) => {
  const long = 'u'.repeat(MAX_HEAD_VALUE + 1);
  t.equal(scanJson(bytes(review({ uid: long }))).head.uid, undefined, 'a 254-character uid');
  t.equal(scanJson(bytes(review({ uid: 'u'.repeat(MAX_HEAD_VALUE) }))).head.uid, 'u'.repeat(MAX_HEAD_VALUE));
  t.equal(scanJson(bytes(review({ uid: 42 }))).head.uid, undefined, 'a number');
  t.equal(scanJson(bytes(review({ uid: { a: 'b' } }))).head.uid, undefined, 'an object');
  t.equal(scanJson(bytes(review({ uid: 'x', dryRun: 'yes' }))).head.dryRun, undefined, 'a string for dryRun');
  t.equal(scanJson(bytes('["admission.k8s.io/v1"]')).head.apiVersion, undefined, 'not an object');
  t.equal(scanJson(bytes(review({ uid: 'x' }, { apiVersion: 'admission.k8s.io/v1', apiVersionX: 'y' }))).head.apiVersion, 'admission.k8s.io/v1');
});

t.test('every chunking gives the same result', async (t) => {
  const body = bytes('{"apiVersion":"admission.k8s.io/v1","request":{"uid":"chunk\\u0041d\\"","operation":"CREATE","dryRun":false,"object":{"a":[1,true,null,"x\\\\",{"b":-2.5e3}]}}}');
  const whole = scanJson(body);
  for (let cut = 0; cut <= body.length; cut++) {
    const scanner = new JsonScanner();
    scanner.write(body.subarray(0, cut));
    scanner.write(body.subarray(cut));
    const split = scanner.end();
    if (JSON.stringify(split) !== JSON.stringify(whole)) t.fail(`cut at ${cut}: ${JSON.stringify(split)}`);
  }
  t.equal(whole.head.uid, 'chunkAd"');
  t.equal(whole.head.dryRun, false);
});

t.test('limits stop the scan with a message naming the limit and the byte', async (t) => {
  const limits: JsonLimits = { maxDepth: 4, maxEntries: 3, maxValues: 10 };
  t.equal(scanJson(bytes('[[[[1]]]]'), limits).problem, undefined, 'depth 4 is allowed');
  t.match(scanJson(bytes('[[[[[1]]]]]'), limits).problem, { limit: 'maxDepth', message: 'the request body nests deeper than 4 levels (at byte 5)' });
  t.equal(scanJson(bytes('[1,2,3]'), limits).problem, undefined);
  t.match(scanJson(bytes('[1,2,3,4]'), limits).problem, { limit: 'maxEntries', message: /has an array with more than 3 entries/ });
  t.match(scanJson(bytes('{"a":1,"b":2,"c":3,"d":4}'), limits).problem, { limit: 'maxEntries', message: /has an object with more than 3 entries/ });
  t.match(scanJson(bytes('[[1,2],[3,4],[5,6],7]'), { ...limits, maxEntries: 4, maxValues: 9 }).problem, { limit: 'maxValues' });
  const scanner = new JsonScanner(limits);
  t.equal(scanner.write(bytes('[1,2,3,4,')), false);
  t.equal(scanner.write(bytes('5]')), false, 'once over, later chunks are ignored');
});

// A JSON value's real counts, to compare the scan with.
function measure(value: unknown, depth = 0): { depth: number; entries: number; values: number } {
  if (typeof value !== 'object' || value === null) return { depth, entries: 0, values: 1 };
  const children = Array.isArray(value) ? value : Object.values(value);
  const out = { depth, entries: children.length, values: 1 };
  for (const child of children) {
    const m = measure(child, depth + 1);
    out.depth = Math.max(out.depth, m.depth);
    out.entries = Math.max(out.entries, m.entries);
    out.values += m.values;
  }
  return out;
}

t.test('the counts are exact: at the measured limits a value passes, one below it fails', async () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 1, max: 40 }), (value, chunk) => {
      const text = bytes(JSON.stringify(value, null, chunk % 3 === 0 ? 1 : undefined));
      const m = measure(value);
      const exact = { maxDepth: m.depth, maxEntries: Math.max(1, m.entries), maxValues: m.values };
      const scanner = new JsonScanner(exact);
      for (let i = 0; i < text.length; i += chunk) scanner.write(text.subarray(i, i + chunk));
      if (scanner.end().problem) return false;
      for (const limit of ['maxDepth', 'maxValues', 'maxEntries'] as const) {
        if (exact[limit] === 0 || (limit === 'maxEntries' && m.entries === 0)) continue;
        const tight = scanJson(text, { ...exact, [limit]: exact[limit] - 1 }).problem;
        if (tight?.limit !== limit) return false;
      }
      return true;
    }),
    { numRuns: 300 },
  );
});

t.test('the defaults fit two of the largest objects the schema check accepts', async (t) => {
  t.ok(DEFAULT_JSON_LIMITS.maxValues >= 2 * 200_000);
  t.ok(DEFAULT_JSON_LIMITS.maxDepth >= 128 + 2);
});

t.test('inside request.object (counted only) every chunking gives the same result, problems and their bytes included', async () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 2, max: 8 }), fc.integer({ min: 20, max: 200 }), (object, chunk, tight, values) => {
      const text = bytes(review({ uid: 'u', userInfo: object, object, name: 'n' }));
      for (const limits of [DEFAULT_JSON_LIMITS, { maxDepth: tight, maxEntries: tight, maxValues: values }]) {
        const { head, problem } = scanJson(text, limits);
        const scanner = new JsonScanner(limits);
        for (let i = 0; i < text.length; i += chunk) scanner.write(text.subarray(i, i + chunk));
        const split = scanner.end();
        if (JSON.stringify({ head: split.head, problem: split.problem }) !== JSON.stringify({ head, problem })) return false;
      }
      return true;
    }),
    { numRuns: 300 },
  );
});

t.test('deep nesting: the room for open containers grows as the body nests, whatever the chunking', async (t) => {
  const deep = (n: number) => `${'[{"a":'.repeat(n)}1${'}]'.repeat(n)}`;
  const text = bytes(`{"apiVersion":"admission.k8s.io/v1","request":{"uid":"u","object":${deep(60)}}}`);
  t.equal(scanJson(text).problem, undefined, '122 levels deep, under the default 256');
  const limits = { ...DEFAULT_JSON_LIMITS, maxDepth: 100 };
  const whole = scanJson(text, limits);
  // The value that passes the limit: the `{` in the 50th `[`, at depth 101.
  t.match(whole, { head: { uid: 'u' }, problem: { limit: 'maxDepth', message: `the request body nests deeper than 100 levels (at byte ${Buffer.from(text).indexOf('[{"a":') + 6 * 49 + 1})` } });
  for (const chunk of [1, 7, 64]) {
    const scanner = new JsonScanner(limits);
    for (let i = 0; i < text.length; i += chunk) scanner.write(text.subarray(i, i + chunk));
    t.same(scanner.end().problem, whole.problem, `chunks of ${chunk}`);
  }
});
