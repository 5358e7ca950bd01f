// Tracing end to end, in this process: kadmit with OTEL_* pointing at an
// in-repo OTLP/HTTP receiver (JSON), reviews sent with a traceparent, and the
// spans that arrive: the server span continues the apiserver's span, and the
// envelope, schema check and handler spans (from the worker, or this thread)
// and the handler's Kubernetes API call hang under it.
import t, { type Test } from 'tap';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { startTestApiServer } from '../apiserver/server.ts';
import { startOtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.ts';
import { httpsRequest, review } from '../helpers/https-client.ts';
import { startTestServer, fixtureWebhook, type TestServer } from '../helpers/server.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startTracing } from '../../src/observability/tracing/start.ts';
import { flushTracing, installTracing } from '../../src/observability/tracing/active.ts';

const WEBHOOK = 'kube-caller.test.kadmit.dev';
// OTLP's span kinds: 1 internal, 2 server, 3 client.
const [INTERNAL, SERVER, CLIENT] = [1, 2, 3];
const ERROR = 2;
const SKEW = 1_000_000n; // ns

const api = await startTestApiServer();
t.teardown(() => api.close());
const dir = t.testdir({});
await api.writeKubeConfig(join(dir, 'kubeconfig'));
process.env.KUBECONFIG = join(dir, 'kubeconfig');
api.store.put('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'lookup', namespace: 'default' }, data: {} });

const receiver = await startOtlpReceiver();
t.teardown(() => receiver.close());
const tracingLog: string[] = [];
const log = createLogger('info', new Writable({ write: (chunk: Buffer, _e, done) => (tracingLog.push(chunk.toString('utf8')), done()) }));
const on = await startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'kadmit-test' }, log);
t.teardown(() => installTracing(undefined));
t.equal(on, true, 'an OTLP endpoint turns tracing on');

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const inTrace = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);
const named = (spans: ReceivedSpan[], name: string) => spans.filter((s) => s.name === name);

async function send(port: number, ca: string, uid: string, headers: Record<string, string>, path = '/kube-caller?timeout=2s') {
  return (await httpsRequest(port, ca, path, JSON.stringify(review({ uid })), { headers })).json();
}

for (const workers of [1, 0]) {
  t.test(`workers=${workers}: the trace continues the apiserver's span`, async (t) => {
    const server = await startTestServer({ webhooks: [fixtureWebhook('kube-caller')], workers });
    t.teardown(() => server.close());
    const traceId = hex(16);
    const incoming = hex(8);
    const answer = await send(server.webhookPort, server.ca, `traced-${workers}`, { traceparent: `00-${traceId}-${incoming}-01`, tracestate: 'apiserver=abc' });
    t.equal(answer.response.allowed, true, 'the handler read the Secret and allowed');
    await flushTracing(5_000); // (a flush at shutdown is tested with the process, in tracing-off.test.ts)

    const spans = inTrace(traceId);
    const [root, ...moreRoots] = named(spans, `admission ${WEBHOOK}`);
    t.ok(root, 'the server span arrived with the incoming trace id');
    t.equal(moreRoots.length, 0);
    t.equal(root!.parentSpanId, incoming, "its parent is the apiserver's span");
    t.equal(root!.kind, SERVER);
    t.match(root!.attributes, {
      'kadmit.webhook': WEBHOOK,
      'kadmit.review.uid': `traced-${workers}`,
      'kadmit.review.kind': 'Pod',
      'kadmit.review.operation': 'CREATE',
      'kadmit.review.namespace': 'default',
      'kadmit.review.allowed': true,
      'kadmit.review.outcome': 'allowed',
      'http.response.status_code': 200,
    });
    t.not(root!.status.code, ERROR);
    t.match(root!.resource, { 'service.name': 'kadmit-test' });
    for (const name of ['envelope', 'schema check', 'handler']) {
      const [child] = named(spans, name);
      t.equal(child?.parentSpanId, root!.spanId, `${name} is a child of the server span`);
      t.equal(child?.kind, INTERNAL);
      t.equal(child?.traceState, 'apiserver=abc', `${name} carries the apiserver's tracestate`);
      // A worker's clock can differ from the main thread's by a fraction of a millisecond.
      t.ok(child!.startNanos >= root!.startNanos - SKEW && child!.endNanos <= root!.endNanos + SKEW, `${name} lies within the review`);
    }
    const handler = named(spans, 'handler')[0]!;
    t.equal(handler.attributes['kadmit.handler.verdict'], 'allowed');
    const [kube] = named(spans, 'get secrets');
    t.equal(kube?.parentSpanId, handler.spanId, "the handler's API call is a child of the handler span");
    t.equal(kube?.kind, CLIENT);
    t.match(kube?.attributes, { 'http.request.method': 'GET', 'kadmit.kube.verb': 'get', 'kadmit.kube.resource': 'secrets', 'kadmit.kube.name': 'lookup', 'k8s.namespace.name': 'default', 'http.response.status_code': 200 });
    if (workers === 1) await t.test('unsampled, malformed and failing reviews', (t) => otherReviews(t, server));
  });
}

async function otherReviews(t: Test, server: TestServer): Promise<void> {
  // The apiserver did not sample: the default sampler follows it.
  const unsampled = hex(16);
  await send(server.webhookPort, server.ca, 'unsampled', { traceparent: `00-${unsampled}-${hex(8)}-00` });

  // A malformed header starts a trace of kadmit's own.
  const malformed = `00-${hex(16).toUpperCase()}-${hex(8)}-01`;
  await send(server.webhookPort, server.ca, 'malformed', { traceparent: malformed });

  // The API call hangs past the deadline: the failurePolicy answers, and the span says so.
  api.faults.add({ verb: 'get', resource: 'secrets', name: 'lookup', hang: true, times: 1 });
  const lateTrace = hex(16);
  const late = await send(server.webhookPort, server.ca, 'late', { traceparent: `00-${lateTrace}-${hex(8)}-01` }, '/kube-caller?timeout=1s');
  t.equal(late.response.status.code, 504, 'answered by failurePolicy at the deadline');

  await flushTracing(5_000);
  const spans = await receiver.waitFor((all) => all.some((s) => s.traceId === lateTrace) && all.some((s) => s.attributes['kadmit.review.uid'] === 'malformed'));
  t.equal(inTrace(unsampled).length, 0, 'nothing is recorded for a trace the apiserver did not sample');
  const own = spans.find((s) => s.attributes['kadmit.review.uid'] === 'malformed')!;
  t.equal(own.parentSpanId, undefined, 'a malformed traceparent: a new root span');
  t.not(own.traceId, malformed.split('-')[1]!.toLowerCase());
  const [lateRoot] = named(inTrace(lateTrace), `admission ${WEBHOOK}`);
  t.equal(lateRoot?.status.code, ERROR, 'a failurePolicy answer is an error span');
  t.match(lateRoot?.attributes, { 'kadmit.review.outcome': 'error', 'kadmit.review.failure': 'deadline-exceeded', 'kadmit.review.allowed': false, 'kadmit.review.abort': 'deadline-exceeded' });
  t.match(lateRoot?.status.message, /failurePolicy Fail/);
}

