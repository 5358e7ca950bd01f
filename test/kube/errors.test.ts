// API failures become KubeApiErrors with stable codes, observed end to end
// through kubeCall against the test API server.
import t from 'tap';
import { KadmitError } from '../../src/errors.ts';
import { fromHttpStatus, KubeApiError, KubeErrorCode, toKubeError } from '../../src/kube/errors.ts';
import { createKube, kubeCall } from '../../src/kube/kube.ts';
import { DeadlineExceeded, until, testApiServer } from './helpers.ts';

const { api, kc } = await testApiServer(t);
const kube = createKube(kc, { requestTimeoutMs: 2000 });
api.store.put('secrets', { metadata: { name: 's', namespace: 'e' } });
const read = (name = 's') => kubeCall(kube, `get secret e/${name}`, (c) => c.core.readNamespacedSecret({ namespace: 'e', name }));
const caught = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);

t.beforeEach(() => api.faults.clear());

t.test('status codes map to stable codes', async (t) => {
  const cases: Array<[number, string, boolean]> = [
    [400, KubeErrorCode.Invalid, false],
    [401, KubeErrorCode.Unauthorized, false],
    [403, KubeErrorCode.Forbidden, false],
    [404, KubeErrorCode.NotFound, false],
    [409, KubeErrorCode.Conflict, false],
    [410, KubeErrorCode.Gone, false],
    [422, KubeErrorCode.Invalid, false],
    [429, KubeErrorCode.Unavailable, true],
    [500, KubeErrorCode.Unavailable, true],
    [503, KubeErrorCode.Unavailable, true],
  ];
  for (const [status, code, retryable] of cases) {
    api.faults.add({ verb: 'get', status, times: 1 });
    const err = await caught(read());
    t.type(err, KubeApiError);
    t.type(err, KadmitError, 'a KadmitError');
    t.match(err, { code, status, retryable }, `HTTP ${status}`);
    t.match((err as Error).message, /^get secret e\/s: /, 'message says what was attempted');
  }
});

t.test('409 AlreadyExists vs Conflict, real 404, failed JSON-patch test', async (t) => {
  t.match(await caught(read('missing')), { code: KubeErrorCode.NotFound, reason: 'NotFound', message: /secrets "missing" not found/ });
  t.match(
    await caught(kubeCall(kube, 'create', (c) => c.core.createNamespacedSecret({ namespace: 'e', body: { metadata: { name: 's' } } }))),
    { code: KubeErrorCode.AlreadyExists, reason: 'AlreadyExists' },
  );
  const current = await read();
  await kubeCall(kube, 'bump', (c) => c.core.replaceNamespacedSecret({ namespace: 'e', name: 's', body: { ...current, data: { a: 'YQ==' } } }));
  t.match(
    await caught(kubeCall(kube, 'stale replace', (c) => c.core.replaceNamespacedSecret({ namespace: 'e', name: 's', body: current }))),
    { code: KubeErrorCode.Conflict, reason: 'Conflict' },
  );
  t.match(
    await caught(kubeCall(kube, 'guarded patch', (c) => c.core.patchNamespacedSecret({ namespace: 'e', name: 's', body: [{ op: 'test', path: '/data/a', value: 'eA==' }] }))),
    { code: KubeErrorCode.Conflict, status: 422 },
    'a failed test op is a conflict',
  );
  t.match(
    await caught(kubeCall(kube, 'bad patch', (c) => c.core.patchNamespacedSecret({ namespace: 'e', name: 's', body: [{ op: 'replace', path: '/data/a', value: '!!' }] }))),
    { code: KubeErrorCode.Invalid, status: 422 },
    'an invalid result is not',
  );
});

t.test('Retry-After is kept', async (t) => {
  api.faults.add({ verb: 'get', status: 429, retryAfterSeconds: 2, times: 1 });
  t.match(await caught(read()), { code: KubeErrorCode.Unavailable, retryAfterMs: 2000 });
});

t.test('connection failures are Unavailable; our time limit is Timeout; a caller abort keeps its reason', async (t) => {
  api.faults.add({ verb: 'get', reset: true, times: 1 });
  t.match(await caught(read()), { code: KubeErrorCode.Unavailable, retryable: true });

  api.faults.add({ verb: 'get', hang: true, times: 1 });
  const timedOut = await caught(kubeCall(kube, 'slow get', (c) => c.core.readNamespacedSecret({ namespace: 'e', name: 's' }), { timeoutMs: 100 }));
  t.match(timedOut, { code: KubeErrorCode.Timeout, retryable: true, message: /slow get: no answer within 100 ms/ });
  await until(() => api.faults.hungCount === 0, 'the timed-out request to be cancelled');

  api.faults.add({ verb: 'get', hang: true, times: 1 });
  const ac = new AbortController();
  const p = caught(kubeCall(kube, 'get', (c) => c.core.readNamespacedSecret({ namespace: 'e', name: 's' }), { signal: ac.signal }));
  await api.log.waitFor((r) => r.fault?.hang === true && !r.socketClosed);
  const reason = new DeadlineExceeded('handler deadline');
  ac.abort(reason);
  t.equal(await p, reason);

  const shutdown = new AbortController();
  const k2 = createKube(kc, { signal: shutdown.signal });
  shutdown.abort(new Error('shutting down'));
  t.match(await caught(kubeCall(k2, 'get', (c) => c.core.readNamespacedSecret({ namespace: 'e', name: 's' }))), { message: 'shutting down' });
});

t.test('toKubeError and fromHttpStatus on their own', async (t) => {
  const k = new KubeApiError(KubeErrorCode.NotFound, 'x');
  t.equal(toKubeError(k, 'y'), k, 'already mapped: unchanged');
  t.match(toKubeError(new Error('boom'), 'op'), { code: KubeErrorCode.Failed, message: 'op: boom' });
  t.match(toKubeError(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }), 'op'), { code: KubeErrorCode.Unavailable, message: 'op: ECONNREFUSED' });
  t.match(fromHttpStatus(502, 'Bad Gateway', 'op'), { code: KubeErrorCode.Unavailable, message: 'op: Bad Gateway' }, 'non-Status bodies');
  t.match(fromHttpStatus(409, { kind: 'Status', reason: 'AlreadyExists', message: 'exists' }, 'op'), { code: KubeErrorCode.AlreadyExists });
  t.match(fromHttpStatus(503, '', 'op', { 'retry-after': '7' }), { retryAfterMs: 7000 });
});
