// The parts of tracing that need no exporter: how a Kubernetes API request is
// named, and what the main thread accepts of the spans a worker posts.
import t from 'tap';
import { describeKubeRequest } from '../../src/observability/tracing/kube-spans.ts';
import { checkWireSpans, MAX_SPANS_PER_MESSAGE, type WireSpan } from '../../src/observability/tracing/wire-spans.ts';
import { childSpan, installTracing, type SpanAttributes, type Tracing } from '../../src/observability/tracing/active.ts';
import { endReviewSpan, startReviewSpan } from '../../src/observability/tracing/review-span.ts';

const API = 'https://10.0.0.1:6443';

t.test('Kubernetes requests are named by verb and resource', async (t) => {
  t.same(describeKubeRequest('GET', `${API}/api/v1/namespaces/default/secrets/lookup`), { verb: 'get', resource: 'secrets', namespace: 'default', name: 'lookup' });
  t.same(describeKubeRequest('GET', `${API}/api/v1/namespaces/default/pods?labelSelector=app%3Dweb`), { verb: 'list', resource: 'pods', namespace: 'default' });
  t.same(describeKubeRequest('GET', `${API}/api/v1/pods?watch=true`), { verb: 'watch', resource: 'pods' });
  t.same(describeKubeRequest('GET', `${API}/api/v1/namespaces/kube-system`), { verb: 'get', resource: 'namespaces', name: 'kube-system' });
  t.same(describeKubeRequest('GET', `${API}/api/v1/namespaces`), { verb: 'list', resource: 'namespaces' });
  t.same(describeKubeRequest('PATCH', `${API}/apis/apps/v1/namespaces/shop/deployments/web/scale`), { verb: 'patch', resource: 'deployments', group: 'apps', namespace: 'shop', name: 'web', subresource: 'scale' });
  t.same(describeKubeRequest('POST', `${API}/apis/coordination.k8s.io/v1/namespaces/x/leases`), { verb: 'create', resource: 'leases', group: 'coordination.k8s.io', namespace: 'x' });
  t.same(describeKubeRequest('PUT', `${API}/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/v`), { verb: 'update', resource: 'validatingwebhookconfigurations', group: 'admissionregistration.k8s.io', name: 'v' });
  t.same(describeKubeRequest('DELETE', `${API}/api/v1/namespaces/d/configmaps/c`), { verb: 'delete', resource: 'configmaps', namespace: 'd', name: 'c' });
  t.same(describeKubeRequest('DELETE', `${API}/api/v1/namespaces/d/configmaps`), { verb: 'deletecollection', resource: 'configmaps', namespace: 'd' });
  t.same(describeKubeRequest('GET', `${API}/healthz`), { verb: 'list', resource: 'unknown' }, 'not an API path');
  t.same(describeKubeRequest('GET', 'not a url'), { verb: 'get', resource: 'unknown' });
  t.same(describeKubeRequest('GET', `${API}/api/v1/${'x'.repeat(5000)}`), { verb: 'list', resource: 'unknown' }, 'an overlong path is not split');
});

function wire(overrides: Partial<Record<keyof WireSpan, unknown>> = {}): Record<string, unknown> {
  return {
    name: 'handler',
    kind: 0,
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    parentSpanId: '1111111111111111',
    start: [1_700_000_000, 5],
    end: [1_700_000_001, 0],
    status: { code: 0 },
    attributes: { 'kadmit.handler.verdict': 'allowed' },
    ...overrides,
  };
}

t.test('spans from a worker: the well-formed ones, bounded', async (t) => {
  t.same(checkWireSpans([wire()]), [wire()]);
  t.same(checkWireSpans([wire({ traceState: 'apiserver=abc' })]), [wire({ traceState: 'apiserver=abc' })], 'with the tracestate it continues');
  t.same(checkWireSpans('not a list'), []);
  const bad = [
    null, 'span', wire({ traceId: 'XYZ' }), wire({ traceId: '0'.repeat(32) }), wire({ spanId: 'short' }), wire({ parentSpanId: 7 }),
    wire({ kind: 9 }), wire({ traceState: 'BAD' }), wire({ traceState: 7 }), wire({ start: [1, 1e9] }), wire({ end: 'now' }), wire({ start: [-1, 0] }), wire({ status: { code: 5 } }), wire({ status: null }), wire({ name: 3 }),
  ];
  t.same(checkWireSpans(bad), [], 'malformed spans are dropped');
  t.equal(checkWireSpans(Array.from({ length: 200 }, () => wire())).length, MAX_SPANS_PER_MESSAGE, 'at most a message-full');
  const [clipped] = checkWireSpans([wire({
    name: 'n'.repeat(1000),
    status: { code: 2, message: 'm'.repeat(1000) },
    attributes: { ok: 'v'.repeat(5000), n: 1, b: true, nan: Number.NaN, obj: { a: 1 }, ['k'.repeat(200)]: 'long key', ...Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`a${i}`, i])) },
  })]);
  t.equal(clipped!.name.length, 256);
  t.equal(clipped!.status.message!.length, 256);
  t.equal((clipped!.attributes.ok as string).length, 1024);
  t.equal(clipped!.attributes.n, 1);
  t.equal(clipped!.attributes.b, true);
  t.notOk('nan' in clipped!.attributes || 'obj' in clipped!.attributes || 'k'.repeat(200) in clipped!.attributes, 'non-finite, non-primitive and overlong keys dropped');
  t.ok(Object.keys(clipped!.attributes).length <= 32, 'attribute count bounded');
});

t.test('with tracing off or an untraced review, no span is started', async (t) => {
  const started: string[] = [];
  const fake: Tracing = {
    start: (name) => {
      started.push(name);
      return { ref: { traceId: '', spanId: '', flags: 1 }, set: () => undefined, fail: () => undefined, end: () => undefined };
    },
    flush: async () => undefined,
  };
  const parent = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: 1 };
  t.equal(childSpan(parent, 'off'), undefined, 'tracing off');
  installTracing(fake);
  t.teardown(() => installTracing(undefined));
  t.equal(childSpan(undefined, 'untraced'), undefined, 'no parent: the review is not traced');
  t.ok(childSpan(parent, 'traced'));
  t.same(started, ['traced']);
});

/** A Tracing that records what the review path asks of it. */
function recorder() {
  const spans: { name: string; kind: string; parent: unknown; attributes: SpanAttributes; failed?: string; ended: boolean; startTime?: number }[] = [];
  const tracing: Tracing = {
    start(name, kind, parent, attributes, startTime) {
      const span = { name, kind, parent, attributes: { ...attributes }, ended: false, startTime } as (typeof spans)[number];
      spans.push(span);
      return {
        ref: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '1111111111111111', flags: 1 },
        set: (a) => Object.assign(span.attributes, a),
        fail: (d) => (span.failed = d),
        end: () => (span.ended = true),
      };
    },
    flush: async () => undefined,
  };
  return { spans, tracing };
}

t.test('the review span: its parent from the headers, and how the review was answered', async (t) => {
  const { spans, tracing } = recorder();
  installTracing(tracing);
  t.teardown(() => installTracing(undefined));
  const webhook = { name: 'w.example.com', path: '/w', failurePolicy: 'Ignore' };
  const summary = { decision: 'error', code: 200, uid: 'u', kind: 'Pod', namespace: 'ns', operation: 'CREATE', failure: 'handler-error' };

  const span = startReviewSpan(webhook, { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tracestate: 'a=1' }, 1_700_000_000_000)!;
  endReviewSpan(span, webhook, { status: 200, summary }, undefined);
  t.match(spans[0], { name: 'admission w.example.com', kind: 'server', parent: { spanId: '00f067aa0ba902b7', state: 'a=1' }, startTime: 1_700_000_000_000, ended: true });
  t.match(spans[0]!.attributes, { 'kadmit.review.outcome': 'error', 'kadmit.review.allowed': true, 'kadmit.review.failure': 'handler-error', 'kadmit.review.namespace': 'ns' }, 'failurePolicy Ignore: allowed');
  t.match(spans[0]!.failed, /failurePolicy Ignore: handler-error/);

  endReviewSpan(startReviewSpan(webhook, { traceparent: 'garbage' }, 0)!, { ...webhook, failurePolicy: 'Fail' }, { status: 200, summary }, 'deadline-exceeded');
  t.equal(spans[1]!.parent, undefined, 'a malformed header: a root span');
  t.equal(spans[1]!.attributes['kadmit.review.allowed'], false, 'failurePolicy Fail: denied');

  endReviewSpan(startReviewSpan(webhook, undefined, 0)!, webhook, { status: 200, summary: { ...summary, decision: 'denied', failure: undefined } }, undefined);
  t.equal(spans[2]!.attributes['kadmit.review.allowed'], false);
  t.equal(spans[2]!.failed, undefined, 'a deny is not an error');

  endReviewSpan(startReviewSpan(webhook, undefined, 0)!, webhook, { status: 400, summary: { decision: 'invalid', code: 400, failure: 'KADMIT_BODY_NOT_JSON' } }, undefined);
  t.notOk('kadmit.review.allowed' in spans[3]!.attributes && spans[3]!.attributes['kadmit.review.allowed'] !== undefined, 'no verdict for a refused request');
  t.match(spans[3]!.failed, /HTTP 400: KADMIT_BODY_NOT_JSON/);

  endReviewSpan(startReviewSpan(webhook, undefined, 0)!, webhook, undefined, 'client-disconnected');
  t.match(spans[4], { attributes: { 'kadmit.review.outcome': 'abandoned', 'kadmit.review.abort': 'client-disconnected' }, ended: true });
  t.ok(spans[4]!.failed);
});
