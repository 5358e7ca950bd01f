// The apiserver's contract, over a real HTTPS socket. It POSTs an
// AdmissionReview (application/json) to the webhook's path with ?timeout=, the
// time it will wait; it reads only 200-206 bodies, needs response.uid echoed
// and `allowed` present, patch and patchType together (never on DELETE or
// CONNECT), and shows a denial to the user with a code of at least 400.
import t from 'tap';
import { httpsRequest, review, pod } from '../helpers/https-client.ts';
import { startTestServer, fixtureWebhook } from '../helpers/server.ts';

const server = await startTestServer({ webhooks: ['builtin:require-memory-limits', 'builtin:add-reviewed-label', fixtureWebhook('probe')], maxBodyBytes: 64 * 1024, workers: 1 });
t.teardown(() => server.close());
const post = (path: string, body: unknown, headers?: Record<string, string>) =>
  httpsRequest(server.webhookPort, server.ca, path, typeof body === 'string' ? body : JSON.stringify(body), headers ? { headers } : {});
const EXEC_KIND = { group: '', version: 'v1', kind: 'PodExecOptions' };
const decodePatch = (p: string) => JSON.parse(Buffer.from(p, 'base64').toString('utf8'));
function annotated(annotations: Record<string, string>, base = pod()) {
  return { ...base, metadata: { ...(base.metadata as object), annotations } };
}

t.test('HTTP-level refusals', async (t) => {
  const get = await httpsRequest(server.webhookPort, server.ca, '/validate/require-memory-limits', undefined, { method: 'GET' });
  t.equal(get.status, 405);
  t.equal(get.headers.allow, 'POST');
  t.equal(get.json().code, 'KADMIT_METHOD_NOT_ALLOWED');

  const text = await post('/validate/require-memory-limits', JSON.stringify(review({})), { 'content-type': 'text/plain' });
  t.equal(text.status, 415);
  t.equal(text.json().code, 'KADMIT_UNSUPPORTED_MEDIA_TYPE');
  const utf16 = await post('/validate/require-memory-limits', review({}), { 'content-type': 'application/json; charset=utf-16' });
  t.equal(utf16.status, 415);
  const missing = await httpsRequest(server.webhookPort, server.ca, '/validate/require-memory-limits', '{}', { headers: { 'content-type': '' } });
  t.equal(missing.status, 415);
  for (const type of ['application/json; charset=utf-8', 'Application/JSON;Charset="UTF-8"', 'application/json']) {
    const ok = await post('/validate/require-memory-limits', review({}), { 'content-type': type });
    t.equal(ok.status, 200, type);
  }

  const unknown = await post('/nope', review({}));
  t.equal(unknown.status, 404);
  t.equal(unknown.json().code, 'KADMIT_NOT_FOUND');
  t.equal((await post('/validate/require-memory-limits/', review({}))).status, 404, 'trailing slash is another path');

  const big = await post('/validate/require-memory-limits', review({ object: { ...pod(), padding: 'x'.repeat(70 * 1024) } }));
  t.equal(big.status, 413);
  t.equal(big.json().code, 'KADMIT_BODY_TOO_LARGE');

  for (const body of ['{not json', '', '[1,2', '\u0000']) {
    const bad = await post('/validate/require-memory-limits', body);
    t.equal(bad.status, 400, JSON.stringify(body));
    t.equal(bad.json().code, 'KADMIT_BODY_NOT_JSON');
  }
});

t.test('malformed envelopes are 400 naming the field paths', async (t) => {
  const cases: [string, unknown, string[]][] = [
    ['no uid', (() => { const r = review({}); delete (r.request as any).uid; return r; })(), ['request.uid']],
    ['bad operation', review({ operation: 'PATCH' }), ['request.operation']],
    ['wrong types', review({ kind: { group: 1, version: 'v1', kind: 'Pod' }, dryRun: 'yes' }), ['request.kind.group', 'request.dryRun']],
    ['object is a string', review({ oldObject: 'None' }), ['request.oldObject']],
    ['no request', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, ['request']],
    ['wrong apiVersion', { ...review({}), apiVersion: 'admission.k8s.io/v2' }, ['apiVersion']],
    ['wrong kind', { ...review({}), kind: 'Review' }, ['kind']],
    ['not an object', [1, 2, 3], ['(root)']],
    ['null', null, ['(root)']],
    ['CREATE without object', review({ object: null }), ['request.object']],
  ];
  for (const [label, body, paths] of cases) {
    const res = await post('/probe/fail', body);
    t.equal(res.status, 400, label);
    const json = res.json();
    t.equal(json.code, 'KADMIT_REVIEW_INVALID', label);
    t.same(json.issues.map((i: { path: string }) => i.path).sort(), paths.sort(), `${label}: ${res.text}`);
  }
});

t.test('a reply echoes apiVersion, kind and uid, and always says allowed', async (t) => {
  for (const apiVersion of ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1']) {
    const res = await post('/validate/require-memory-limits', review({ uid: `uid-${apiVersion}` }, apiVersion));
    t.equal(res.status, 200);
    t.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    const body = res.json();
    t.equal(body.apiVersion, apiVersion);
    t.equal(body.kind, 'AdmissionReview');
    t.equal(body.response.uid, `uid-${apiVersion}`);
    t.equal(body.response.allowed, true);
    t.notOk('patch' in body.response);
    t.notOk('patchType' in body.response);
  }
});

t.test('denials carry code >= 400, message and reason', async (t) => {
  const res = (await post('/validate/require-memory-limits', review({ object: pod(null) }))).json();
  t.equal(res.response.allowed, false);
  t.equal(res.response.status.code, 403);
  t.equal(res.response.status.reason, 'Forbidden');
  t.match(res.response.status.message, /memory limit required: .*spec\.containers\[0\] \(app\)/);
  const custom = (await post('/probe/fail', review({ object: annotated({ 'probe/deny': 'no', 'probe/code': '422', 'probe/reason': 'Invalid' }) }))).json();
  t.same(custom.response.status, { code: 422, message: 'no', reason: 'Invalid' });
  const low = (await post('/probe/fail', review({ object: annotated({ 'probe/deny': 'no', 'probe/code': '200' }) }))).json();
  t.equal(low.response.status.code, 403, 'a code below 400 becomes 403');
  t.notOk('patch' in custom.response);
});

t.test('mutating replies carry patch and patchType together, and neither when nothing changed', async (t) => {
  const first = (await post('/mutate/add-reviewed-label', review({}))).json();
  t.equal(first.response.allowed, true);
  t.equal(first.response.patchType, 'JSONPatch');
  t.same(decodePatch(first.response.patch), [{ op: 'add', path: '/metadata/labels/kadmit.dev~1reviewed', value: 'true' }]);

  const labelled = pod();
  (labelled.metadata as any).labels['kadmit.dev/reviewed'] = 'true';
  const second = (await post('/mutate/add-reviewed-label', review({ object: labelled }))).json();
  t.equal(second.response.allowed, true);
  t.notOk('patch' in second.response);
  t.notOk('patchType' in second.response);

  const inPlace = (await post('/probe/mutate', review({ object: annotated({ 'probe/set': '{"x":"1"}', 'probe/in-place': 'y' }) }))).json();
  t.same(decodePatch(inPlace.response.patch), [{ op: 'add', path: '/metadata/labels/x', value: '1' }], 'changing the given copy counts');
});

t.test('no patch on DELETE or CONNECT', async (t) => {
  const old = annotated({ 'probe/set': '{"x":"1"}' });
  const del = (await post('/probe/mutate', review({ operation: 'DELETE', object: null, oldObject: old, options: { kind: 'DeleteOptions' } }))).json();
  t.equal(del.response.allowed, true);
  t.notOk('patch' in del.response);
  const exec = { kind: 'PodExecOptions', apiVersion: 'v1', metadata: { annotations: { 'probe/set': '{"x":"1"}' } }, command: ['sh'] };
  const connect = (await post('/probe/mutate', review({ operation: 'CONNECT', kind: EXEC_KIND, subResource: 'exec', object: exec, options: null }))).json();
  t.equal(connect.response.allowed, true);
  t.notOk('patch' in connect.response);
});

t.test('DELETE, CONNECT, subresources and dryRun reach handlers with the right fields', async (t) => {
  const del = (await post('/probe/fail', review({ operation: 'DELETE', object: null, oldObject: pod(), options: { kind: 'DeleteOptions' } }))).json();
  t.match(del.response.auditAnnotations, { operation: 'DELETE', object: 'null', oldObject: 'object', options: 'DeleteOptions' });
  const connect = (await post('/probe/fail', review({ operation: 'CONNECT', kind: EXEC_KIND, subResource: 'exec', requestSubResource: 'exec', object: { kind: 'PodExecOptions', apiVersion: 'v1' }, options: null }))).json();
  t.match(connect.response.auditAnnotations, { operation: 'CONNECT', subResource: 'exec', object: 'object', oldObject: 'null', options: 'null' });
  const status = (await post('/probe/fail', review({ operation: 'UPDATE', subResource: 'status', oldObject: pod(), options: { kind: 'UpdateOptions' } }))).json();
  t.match(status.response.auditAnnotations, { operation: 'UPDATE', subResource: 'status', oldObject: 'object', options: 'UpdateOptions' });
  const dry = (await post('/probe/fail', review({ dryRun: true }))).json();
  t.match(dry.response.auditAnnotations, { dryRun: 'true', name: 'web', namespace: 'default', hasSignal: 'true', deadlineInFuture: 'true' });
  const generated = review({});
  delete (generated.request as any).name;
  t.match((await post('/probe/fail', generated)).json().response.auditAnnotations, { name: '' }, 'generateName creates have no name');
});

t.test('warnings are trimmed, cleaned and deduplicated; bad audit annotation keys dropped', async (t) => {
  const warnings = ['x'.repeat(200), 'line\nbreak', 'dup', 'dup', '', '   ', 'tab\there'];
  const annotations = { good: 'v', 'bad key': 'v', ['k'.repeat(64)]: 'v', '-leading': 'v', 'a.b_c-d': 'v' };
  const res = (await post('/probe/fail', review({ object: annotated({ 'probe/warnings': JSON.stringify(warnings), 'probe/annotations': JSON.stringify(annotations) }) }))).json();
  t.same(res.response.warnings, [`${'x'.repeat(117)}...`, 'line break', 'dup', 'tab here']);
  t.equal(res.response.auditAnnotations.good, 'v');
  t.equal(res.response.auditAnnotations['a.b_c-d'], 'v');
  t.notOk('bad key' in res.response.auditAnnotations);
  t.notOk('-leading' in res.response.auditAnnotations);
  t.notOk('k'.repeat(64) in res.response.auditAnnotations);
  t.ok(server.logs.some((l) => l.msg === 'dropped audit annotations: invalid keys or over the limit' && l.dropped.includes('bad key')));
});

t.test('a handler that throws is answered by failurePolicy with an error id', async (t) => {
  const fail = (await post('/probe/fail', review({ uid: 'u-fail', object: annotated({ 'probe/throw': 'boom secret-detail' }) }))).json();
  t.equal(fail.response.uid, 'u-fail');
  t.equal(fail.response.allowed, false);
  t.equal(fail.response.status.code, 500);
  const id = /error id ([0-9a-f]{8})/.exec(fail.response.status.message)?.[1];
  t.ok(id, fail.response.status.message);
  t.match(fail.response.status.message, /^webhook "probe-fail\.test\.kadmit\.dev" failed/);
  t.notMatch(JSON.stringify(fail), /boom|at .*\.ts:\d+/, 'no error text or stack trace in the reply');
  const logged = server.logs.find((l) => l.errorId === id && l.msg === 'webhook handler failed');
  t.ok(logged, 'the same id is in the log');
  t.match(logged?.err?.message, 'boom');

  const ignore = (await post('/probe/ignore', review({ uid: 'u-ignore', object: annotated({ 'probe/throw': 'boom' }) }))).json();
  t.equal(ignore.response.allowed, true);
  t.notOk(ignore.response.status);
  t.match(ignore.response.warnings[0], /failed open|failurePolicy is Ignore/);
  t.match(ignore.response.auditAnnotations['failed-open'], /probe-ignore\.test\.kadmit\.dev/);
});

t.test('one log line per review with the summary fields, no object bodies at info', async (t) => {
  const before = server.logs.length;
  await post('/validate/require-memory-limits', review({ uid: 'log-1', namespace: 'team-a', name: 'web' }));
  const lines = server.logs.slice(before).filter((l) => l.msg === 'review');
  t.equal(lines.length, 1);
  t.match(lines[0], { uid: 'log-1', webhook: 'require-memory-limits.kadmit.dev', kind: 'v1/Pod', namespace: 'team-a', name: 'web', operation: 'CREATE', dryRun: false, decision: 'allowed', code: 200, level: 30 });
  t.type(lines[0]?.durationMs, 'number');
  t.notOk(server.logs.slice(before).some((l) => 'object' in l && l.level >= 30));
});
