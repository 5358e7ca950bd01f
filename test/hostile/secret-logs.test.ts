// No planted Secret value reaches a log line, at any level (trace, with
// --log-objects), on any path a review can take: allowed, denied, failed,
// aborted (deadline and hang-up), rejected by the schema, over the JSON limits,
// logged by a handler under keys of its own, in workers and inline.
import t from 'tap';
import { httpsRequest, review } from '../helpers/https-client.ts';
import { startTestServer, fixtureWebhook } from '../helpers/server.ts';
import { hangUp } from './support.ts';
import { waitFor } from '../helpers/wait.ts';

const PLANTED = 'pl4nted-s3cret-value';
const PLANTED_OLD = 'pl4nted-old-value';
const b64 = (s: string) => Buffer.from(s).toString('base64');
// Every form a planted value could take in a line.
const FORMS = [PLANTED, PLANTED_OLD, b64(PLANTED), b64(PLANTED_OLD)];

function secret(value: string, annotations: Record<string, string> = {}) {
  const plain = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'default' }, type: 'Opaque', data: { password: b64(value) }, stringData: { token: value } };
  // kubectl apply keeps the whole Secret, values included, in this annotation.
  const lastApplied = JSON.stringify(plain);
  return { ...plain, metadata: { ...plain.metadata, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied, ...annotations } } };
}

const SECRET_KIND = { group: '', version: 'v1', kind: 'Secret' };
const SECRET_RESOURCE = { group: '', version: 'v1', resource: 'secrets' };
function secretReview(uid: string, annotations: Record<string, string> = {}, object: Record<string, unknown> = secret(PLANTED, annotations)) {
  return JSON.stringify(review({ uid, kind: SECRET_KIND, resource: SECRET_RESOURCE, requestKind: SECRET_KIND, requestResource: SECRET_RESOURCE, name: 'db', operation: 'UPDATE', object, oldObject: secret(PLANTED_OLD) }));
}

for (const workers of [1, 0]) {
  t.test(`workers=${workers}`, async (t) => {
    const server = await startTestServer({
      webhooks: [fixtureWebhook('probe'), fixtureWebhook('misbehaving'), fixtureWebhook('hostile-handlers')],
      workers, logLevel: 'trace', logObjects: true, jsonMaxEntries: 1000,
    });
    t.teardown(() => server.close());
    const post = (path: string, body: string) => httpsRequest(server.webhookPort, server.ca, path, body);

    const allowed = await post('/probe/fail?timeout=10s', secretReview('allowed'));
    t.equal(allowed.json().response.allowed, true, 'allowed');
    const denied = await post('/probe/fail?timeout=10s', secretReview('denied', { 'probe/deny': 'no' }));
    t.equal(denied.json().response.status.code, 403, 'denied');
    const failed = await post('/probe/fail?timeout=10s', secretReview('failed', { 'probe/throw': 'broken' }));
    t.equal(failed.json().response.status.code, 500, 'failed: handler error');
    const handlerLogged = await post('/logs-objects?timeout=10s', secretReview('handler-logged'));
    t.equal(handlerLogged.json().response.allowed, true, 'a handler logged the objects itself');
    const deadline = await post('/sleep?timeout=1s', secretReview('deadline'));
    t.equal(deadline.json().response.status.code, 504, 'aborted: deadline');
    await hangUp(server.webhookPort, server.ca, '/sleep?timeout=10s', secretReview('hang-up'), 150);
    const schema = await post('/probe/fail?timeout=10s', secretReview('schema', {}, { ...secret(PLANTED), data: { password: `${PLANTED}!not base64` } }));
    t.equal(schema.json().response.status.code, 422, 'rejected by the schema');
    const big = { ...secret(PLANTED), data: Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`k${i}`, b64(PLANTED)])) };
    const overLimit = await post('/probe/fail?timeout=10s', secretReview('over-limit', {}, big));
    t.equal(overLimit.json().response.status.code, 422, 'over the JSON limits');
    // A request about secrets whose objects do not say they are Secrets is still redacted.
    const unlabelled = await post('/logs-objects?timeout=10s', secretReview('unlabelled', {}, { metadata: { name: 'db' }, data: { password: b64(PLANTED) } }));
    t.equal(unlabelled.status, 200);

    t.ok(await waitFor(() => server.logs.some((l) => l.msg === 'review abandoned: client went away'), 5_000), 'the hang-up was logged');
    t.ok(await waitFor(() => server.logs.some((l) => l.msg === 'sleep handler aborted' && l.sawKind === 'client-disconnected'), 5_000));
    const objectLines = server.logs.filter((l) => l.msg === 'review objects');
    t.ok(objectLines.length >= 5, `--log-objects wrote the objects (${objectLines.length} lines)`);
    t.ok(server.logs.some((l) => l.msg === 'handler logged them under its own keys'));
    t.ok(server.logs.some((l) => l.level === 10 || l.level === 20), 'trace/debug lines are there');
    const leaks = server.logs.map((l) => JSON.stringify(l)).filter((line) => FORMS.some((f) => line.includes(f)));
    t.same(leaks, [], `no planted value in any of ${server.logs.length} log lines`);
    t.match(JSON.stringify(objectLines[0]), /\[REDACTED\]/, 'the lines say where a value was');
  });
}
