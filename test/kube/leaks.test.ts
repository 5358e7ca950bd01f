// Nothing outlives its request: no listeners pile up on long-lived signals,
// no timers or watch streams are left behind by calls, timeouts or reflectors.
import t from 'tap';
import { getEventListeners } from 'node:events';
import { kubeClientFor } from '../../src/kube/client.ts';
import { createKube, kubeCall } from '../../src/kube/kube.ts';
import { Reflector } from '../../src/kube/reflector.ts';
import { until, testApiServer } from './helpers.ts';

const { api, kc } = await testApiServer(t);
api.store.put('secrets', { metadata: { name: 's', namespace: 'l' } });
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

t.test('a long-lived signal shared by many calls does not collect listeners', async (t) => {
  const shutdown = new AbortController();
  const clients = kubeClientFor(kc, shutdown.signal);
  for (let i = 0; i < 200; i++) await clients.core.readNamespacedSecret({ namespace: 'l', name: 's' });
  t.ok(getEventListeners(shutdown.signal, 'abort').length <= 1, 'kubeClientFor: bounded');

  const kube = createKube(kc, { signal: shutdown.signal, requestTimeoutMs: 5000 });
  const baseline = timers();
  const outcomes = { ok: 0, failed: 0 };
  api.faults.add({ verb: 'get', name: 'missing', status: 500 });
  api.faults.add({ verb: 'get', name: 'slow', hang: true });
  for (let i = 0; i < 150; i++) {
    const name = ['s', 'missing', 'slow'][i % 3]!;
    await kubeCall(kube, 'get', (c) => c.core.readNamespacedSecret({ namespace: 'l', name }), { timeoutMs: name === 'slow' ? 20 : 5000 }).then(
      () => outcomes.ok++,
      () => outcomes.failed++,
    );
  }
  t.same(outcomes, { ok: 50, failed: 100 });
  t.equal(getEventListeners(shutdown.signal, 'abort').length, 0, 'kubeCall: every listener removed');
  t.ok(timers() <= baseline, 'every per-call timer cleared');
  await until(() => api.faults.hungCount === 0, 'timed-out requests closed');
  api.faults.clear();
});

t.test('reflectors started and stopped leave nothing behind', async (t) => {
  const shutdown = new AbortController();
  const kube = createKube(kc, { signal: shutdown.signal });
  for (let i = 0; i < 20; i++) {
    const r = new Reflector({ kube, path: '/api/v1/namespaces/l/secrets', idleTimeoutMs: 60_000 }).start();
    await r.waitForSync();
    await until(() => api.faults.openWatches() === 1, 'watching');
    await r.stop();
  }
  await until(() => api.faults.openWatches() === 0, 'all streams closed');
  t.equal(getEventListeners(shutdown.signal, 'abort').length, 0);
});
