// retry(): bounded, jittered, abortable — against injected API outages.
import t from 'tap';
import fc from 'fast-check';
import { KubeApiError, KubeErrorCode } from '../../src/kube/errors.ts';
import { createKube } from '../../src/kube/kube.ts';
import { backoffDelay, retry } from '../../src/kube/retry.ts';
import { getSecret } from '../../src/kube/secrets.ts';
import { DeadlineExceeded, testApiServer } from './helpers.ts';

const { api, kc } = await testApiServer(t);
const kube = createKube(kc, { requestTimeoutMs: 500 });
api.store.put('secrets', { metadata: { name: 's', namespace: 'r' } });
const fast = { baseDelayMs: 1, maxDelayMs: 5 };

t.beforeEach(() => api.faults.clear());

t.test('rides out 500s, a reset and a hang, then succeeds', async (t) => {
  api.faults.add({ verb: 'get', status: 500, times: 2 });
  api.faults.add({ verb: 'get', reset: true, times: 1 });
  api.faults.add({ verb: 'get', hang: true, times: 1 });
  const retried: string[] = [];
  const s = await retry(() => getSecret(kube, 'r', 's'), { ...fast, maxAttempts: 10, onRetry: (err) => retried.push((err as KubeApiError).code) });
  t.equal(s.metadata?.name, 's');
  t.same(retried, [KubeErrorCode.Unavailable, KubeErrorCode.Unavailable, KubeErrorCode.Unavailable, KubeErrorCode.Timeout]);
});

t.test('stops at once on a non-retryable error', async (t) => {
  let calls = 0;
  await t.rejects(
    retry(() => (calls++, getSecret(kube, 'r', 'missing')), fast),
    { code: KubeErrorCode.NotFound },
  );
  t.equal(calls, 1);
});

t.test('bounded by attempts and by elapsed time', async (t) => {
  api.faults.add({ verb: 'get', status: 503 });
  let calls = 0;
  await t.rejects(retry(() => (calls++, getSecret(kube, 'r', 's')), { ...fast, maxAttempts: 3 }), { code: KubeErrorCode.Unavailable });
  t.equal(calls, 3);
  calls = 0;
  const err = await retry(() => (calls++, getSecret(kube, 'r', 's')), { baseDelayMs: 50, maxDelayMs: 50, random: () => 0.99, maxAttempts: Infinity, maxElapsedMs: 300 }).catch((e: unknown) => e);
  t.match(err, { code: KubeErrorCode.Unavailable });
  t.ok(calls >= 2 && calls < 50, `time budget stops it (${calls} calls)`);
});

t.test('waits at least Retry-After (capped by maxDelayMs)', async (t) => {
  api.faults.add({ verb: 'get', status: 429, retryAfterSeconds: 1, times: 1 });
  const delays: number[] = [];
  await retry(() => getSecret(kube, 'r', 's'), { baseDelayMs: 1, maxDelayMs: 60, random: () => 0, onRetry: (_e, _a, d) => delays.push(d) });
  t.same(delays, [60], 'Retry-After 1 s, capped at 60 ms');
});

t.test('aborting during the backoff rejects with the reason', async (t) => {
  api.faults.add({ verb: 'get', status: 500 });
  const ac = new AbortController();
  const reason = new DeadlineExceeded('stop');
  const p = retry(() => getSecret(kube, 'r', 's'), { baseDelayMs: 60_000, maxDelayMs: 60_000, random: () => 0.5, maxAttempts: 5, signal: ac.signal, onRetry: () => setImmediate(() => ac.abort(reason)) });
  t.equal(await p.catch((e: unknown) => e), reason);
  t.equal(await retry(async () => 1, { signal: AbortSignal.abort(reason) }).catch((e: unknown) => e), reason, 'already aborted: not even one call');
});

t.test('retries only what is retryable by default; a custom predicate widens it', async (t) => {
  let n = 0;
  const v = await retry(
    async () => {
      if (n++ < 2) throw new KubeApiError(KubeErrorCode.Conflict, 'conflict');
      return 'ok';
    },
    { ...fast, retryable: (e) => e instanceof KubeApiError && e.code === KubeErrorCode.Conflict },
  );
  t.equal(v, 'ok');
});

t.test('backoffDelay: full jitter within [0, min(max, base*2^n)]', async (t) => {
  fc.assert(
    fc.property(fc.nat(100), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 100_000 }), fc.double({ min: 0, max: 0.9999999, noNaN: true }), (attempt, base, max, r) => {
      const d = backoffDelay(attempt, { baseDelayMs: base, maxDelayMs: max, random: () => r });
      return Number.isInteger(d) && d >= 0 && d <= Math.min(max, base * 2 ** Math.min(attempt, 30));
    }),
  );
  t.equal(backoffDelay(3, { baseDelayMs: 100, maxDelayMs: 10_000, random: () => 0.5 }), 400);
  t.equal(backoffDelay(40, { baseDelayMs: 100, maxDelayMs: 10_000, random: () => 0.5 }), 5000);
});
