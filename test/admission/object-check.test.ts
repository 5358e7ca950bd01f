// The schema step over HTTPS: objects that do not fit are denied with 422 and
// precise paths before any handler runs; unknown fields reach the handler intact.
import t from 'tap';
import { httpsRequest, review, pod } from '../helpers/https-client.ts';
import { startTestServer, fixtureWebhook } from '../helpers/server.ts';

const server = await startTestServer({ webhooks: [fixtureWebhook('probe'), fixtureWebhook('schema-modes')] });
t.teardown(() => server.close());
const post = async (path: string, body: unknown) => (await httpsRequest(server.webhookPort, server.ca, path, JSON.stringify(body))).json();

t.test('a bad object is denied with 422 naming the field, and the handler is not called', async (t) => {
  const bad = pod();
  (bad.spec as any).containers[0].ports = [{ containerPort: '80' }];
  const res = await post('/probe/fail', review({ uid: 'bad-port', object: bad }));
  t.equal(res.response.allowed, false);
  t.equal(res.response.status.code, 422);
  t.equal(res.response.status.reason, 'Invalid');
  t.match(res.response.status.message, 'v1/Pod does not match its schema: spec.containers[0].ports[0].containerPort: expected integer, got string');
  t.notOk(res.response.auditAnnotations, 'the probe handler never ran');
  t.ok(server.logs.some((l) => l.msg === 'object rejected by schema' && l.uid === 'bad-port' && Array.isArray(l.issues)), 'full list at debug');

  const nullContainers = pod();
  (nullContainers.spec as any).containers = null;
  const res2 = await post('/probe/fail', review({ object: nullContainers }));
  t.equal(res2.response.status.code, 422);
  t.match(res2.response.status.message, 'spec.containers');
});

t.test('oldObject is checked too, and named as such', async (t) => {
  const old = pod();
  (old.metadata as any).labels = { app: 7 };
  const res = await post('/probe/fail', review({ operation: 'UPDATE', oldObject: old, options: { kind: 'UpdateOptions' } }));
  t.equal(res.response.status.code, 422);
  t.match(res.response.status.message, 'oldObject.metadata.labels.app');
});

t.test('apiVersion/kind must agree with request.kind', async (t) => {
  const res = await post('/probe/fail', review({ object: { ...pod(), kind: 'Service' } }));
  t.equal(res.response.status.code, 422);
  t.match(res.response.status.message, /kind: expected "Pod"/);
});

t.test('unknown fields are kept for the handler and the patch', async (t) => {
  const extra = pod();
  (extra as any).futureField = { nested: [1, 2] };
  (extra.spec as any).containers[0].notYetInTheSchema = true;
  (extra.metadata as any).annotations = { 'probe/set': '{"x":"1"}' };
  const res = await post('/probe/mutate', review({ object: extra }));
  t.equal(res.response.allowed, true);
  const patch = JSON.parse(Buffer.from(res.response.patch, 'base64').toString());
  t.same(patch, [{ op: 'add', path: '/metadata/labels/x', value: '1' }], 'nothing removed');
});

t.test('deeply nested or enormous objects are a clean 422', async (t) => {
  // Built as text: the test's own JSON.stringify would overflow first.
  const deep = `${'{"d":'.repeat(100_000)}{}${'}'.repeat(100_000)}`;
  const body = JSON.stringify(review({ uid: 'deep', object: { ...pod(), deep: '@DEEP@' } })).replace('"@DEEP@"', deep);
  for (const path of ['/probe/fail', '/schema/off', '/probe/mutate']) {
    const res = (await httpsRequest(server.webhookPort, server.ca, path, body)).json();
    t.equal(res.response.uid, 'deep', path);
    t.equal(res.response.status.code, 422, `${path}: bounds apply whatever the webhook`);
    // The body scan stops it as it arrives, before any parse.
    t.match(res.response.status.message, /too large to review: the request body nests deeper than 256 levels/);
  }
  // Under 64 KiB the body is parsed unscanned, in the worker, and its tree checked: the same answer.
  const small = JSON.stringify(review({ uid: 'deep-small', object: { ...pod(), deep: '@DEEP@' } })).replace('"@DEEP@"', `${'{"d":'.repeat(300)}{}${'}'.repeat(300)}`);
  t.ok(small.length < 64 * 1024);
  for (const path of ['/probe/fail', '/schema/off']) {
    const res = (await httpsRequest(server.webhookPort, server.ca, path, small)).json();
    t.match(res.response, { uid: 'deep-small', status: { code: 422, message: /^v1\/Pod is too large to review: the request body nests deeper than 256 levels \(at byte \d+\)$/ } }, path);
  }
  const wide = JSON.stringify(review({ object: { ...pod(), wide: Array.from({ length: 1_100_000 }, () => 0) } }));
  const res = (await httpsRequest(server.webhookPort, server.ca, '/probe/fail', wide)).json();
  t.equal(res.response.status.code, 422);
  t.match(res.response.status.message, /too large to review: the request body has an array with more than 200000 entries/);
});

t.test('schemaValidation modes for a kind without a schema', async (t) => {
  const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 'not-checked' } };
  const kind = { group: 'example.com', version: 'v1', kind: 'Widget' };
  const resource = { group: 'example.com', version: 'v1', resource: 'widgets' };
  const passes = await post('/schema/when-available', review({ kind, resource, object: widget }));
  t.equal(passes.response.allowed, true, 'passed on raw');
  const required = await post('/schema/required', review({ kind, resource, object: widget }));
  t.equal(required.response.allowed, false);
  t.match(required.response.status.message, 'requires a schema, and kadmit has none for example.com/v1/Widget');
  const bad = pod();
  (bad.spec as any).containers = 'nope';
  const off = await post('/schema/off', review({ object: bad }));
  t.equal(off.response.allowed, true, 'off: the handler gets the unvalidated object');
});
