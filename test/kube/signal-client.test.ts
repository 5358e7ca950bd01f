// Issue 3: Kubernetes API calls made through kubeClientFor carry the
// handler's AbortSignal — when it aborts, the outgoing HTTP request is really
// cancelled: the promise rejects at once with the signal's reason and the
// test API server sees the connection close.
import t from 'tap';
import { kubeClientFor } from '../../src/kube/client.ts';
import { closeKubeConnections } from '../../src/kube/shared-dispatcher.ts';
import { DeadlineExceeded, until, testApiServer } from './helpers.ts';

const { api, kc } = await testApiServer(t);
api.store.put('secrets', { metadata: { name: 's', namespace: 'h' } });

t.beforeEach(() => api.faults.clear());

t.test('abort cancels a request the server never answers', async (t) => {
  api.faults.add({ verb: 'get', resource: 'secrets', hang: true, times: 1 });
  const ac = new AbortController();
  const pending = kubeClientFor(kc, ac.signal).core.readNamespacedSecret({ namespace: 'h', name: 's' });
  const rec = await api.log.waitFor((r) => r.verb === 'get' && r.fault?.hang === true);
  t.equal(rec.socketClosed, false, 'request in flight, connection open');
  t.equal(api.faults.hungCount, 1);

  const reason = new DeadlineExceeded('handler deadline passed');
  const t0 = performance.now();
  ac.abort(reason);
  const err = await pending.catch((e: unknown) => e);
  t.equal(err, reason, 'rejects with the signal.reason itself (its kind survives)');
  t.ok(performance.now() - t0 < 2000, 'promptly');
  await rec.whenSocketClosed();
  t.equal(rec.socketClosed, true, 'the server saw its connection close');
  t.equal(rec.status, undefined, 'and never answered it');
  t.equal(api.faults.hungCount, 0);
});

t.test('every API group of the client is bound to the signal', async (t) => {
  api.faults.add({ verb: 'list', hang: true });
  const ac = new AbortController();
  const c = kubeClientFor(kc, ac.signal);
  const calls = [
    c.admission.listValidatingWebhookConfiguration(),
    c.coordination.listNamespacedLease({ namespace: 'h' }),
    c.apiextensions.listCustomResourceDefinition(),
    c.core.listNamespacedSecret({ namespace: 'h' }),
  ];
  await until(() => api.faults.hungCount === 4, 'four hung requests');
  ac.abort(new DeadlineExceeded('x'));
  const results = await Promise.allSettled(calls);
  t.ok(results.every((r) => r.status === 'rejected' && r.reason instanceof DeadlineExceeded));
  await until(() => api.faults.hungCount === 0, 'all four connections closed');
  t.pass('all four connections closed');
});

t.test('already aborted: fails without sending anything', async (t) => {
  api.log.clear();
  const reason = new DeadlineExceeded('too late');
  const err = await kubeClientFor(kc, AbortSignal.abort(reason)).core.readNamespacedSecret({ namespace: 'h', name: 's' }).catch((e: unknown) => e);
  t.equal(err, reason);
  t.equal(api.log.entries.length, 0, 'no request reached the server');
});

t.test('per-call options cannot drop the signal', async (t) => {
  api.faults.add({ verb: 'get', hang: true, times: 1 });
  const ac = new AbortController();
  // client-node replaces configured middleware with per-call middleware by default.
  const p = kubeClientFor(kc, ac.signal).core.readNamespacedSecret({ namespace: 'h', name: 's' }, { middleware: [] });
  await api.log.waitFor((r) => r.fault?.hang === true && !r.socketClosed);
  ac.abort(new DeadlineExceeded('x'));
  t.type(await p.catch((e: unknown) => e), DeadlineExceeded);
});

t.test('aborting one handler does not disturb another sharing the connection pool', async (t) => {
  api.faults.add({ verb: 'get', name: 's', hang: true, times: 1 });
  const a = new AbortController();
  const hung = kubeClientFor(kc, a.signal).core.readNamespacedSecret({ namespace: 'h', name: 's' });
  await api.log.waitFor((r) => r.fault?.hang === true && !r.socketClosed);
  const other = kubeClientFor(kc, new AbortController().signal);
  api.store.put('secrets', { metadata: { name: 'ok', namespace: 'h' } });
  const results = await Promise.all([other.core.readNamespacedSecret({ namespace: 'h', name: 'ok' }), (a.abort(new DeadlineExceeded('x')), hung.catch((e: unknown) => e))]);
  t.equal(results[0].metadata?.name, 'ok');
  t.type(results[1], DeadlineExceeded);
});

t.test('connections are pooled per KubeConfig (client-node alone opens one per request)', async (t) => {
  await closeKubeConnections(kc);
  api.log.clear();
  const signal = new AbortController().signal;
  for (let i = 0; i < 20; i++) await kubeClientFor(kc, signal).core.readNamespacedSecret({ namespace: 'h', name: 's' });
  // undici may open a second socket while the first is being released; never one per call.
  const sockets = new Set(api.log.entries.map((r) => r.socketId)).size;
  t.ok(sockets <= 3, `20 sequential calls used ${sockets} connections`);
});
