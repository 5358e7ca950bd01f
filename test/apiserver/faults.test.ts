// Fault injection seen through client-node: statuses, delays, hung requests,
// reset connections, and how faults select requests.
import t from 'tap';
import { CoreV1Api, Observable, type RequestContext, type ResponseContext } from '@kubernetes/client-node';
import { startTestApiServer } from './server.ts';

const api = await startTestApiServer();
t.teardown(() => api.close());
const kc = api.kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
await core.createNamespacedSecret({ namespace: 'f', body: { metadata: { name: 's' } } });
await core.createNamespacedSecret({ namespace: 'f', body: { metadata: { name: 'other' } } });
const read = (name = 's') => core.readNamespacedSecret({ namespace: 'f', name });

t.beforeEach(() => api.faults.clear());

t.test('status faults: code, reason, times, then normal service', async (t) => {
  const f = api.faults.add({ verb: 'get', resource: 'secrets', status: 500, times: 2 });
  for (let i = 0; i < 2; i++) {
    const err = (await read().catch((e: unknown) => e)) as { code: number; body: string };
    t.equal(err.code, 500);
    t.match(JSON.parse(err.body), { kind: 'Status', reason: 'InternalError', code: 500 });
  }
  t.equal((await read()).metadata?.name, 's', 'third call passes');
  t.equal(f.hits, 2);
  t.ok(f.exhausted);
  t.equal(api.log.entries.filter((r) => r.fault !== undefined).length >= 2, true, 'faulted requests are logged with their fault');
});

t.test('409 and 429 with Retry-After', async (t) => {
  api.faults.add({ verb: 'update', status: 409, times: 1 });
  const s = await read();
  await t.rejects(core.replaceNamespacedSecret({ namespace: 'f', name: 's', body: s }), { code: 409 });
  api.faults.add({ verb: 'get', status: 429, retryAfterSeconds: 3, times: 1 });
  const err = (await read().catch((e: unknown) => e)) as { code: number; headers: Record<string, string>; body: string };
  t.equal(err.code, 429);
  t.equal(err.headers['retry-after'], '3');
  t.match(JSON.parse(err.body), { reason: 'TooManyRequests', details: { retryAfterSeconds: 3 } });
});

t.test('selecting by verb list, name, namespace; skip; remove', async (t) => {
  const byName = api.faults.add({ verb: ['get', 'list'], name: 'other', status: 503 });
  t.equal((await read()).metadata?.name, 's', 'other names pass');
  await t.rejects(read('other'), { code: 503 });
  byName.remove();
  t.equal((await read('other')).metadata?.name, 'other', 'removed');

  api.faults.add({ verb: 'get', namespace: 'elsewhere', status: 500 });
  t.ok(await read(), 'other namespaces pass');

  api.faults.add({ verb: 'get', skip: 1, times: 1, status: 500 });
  t.ok(await read(), 'first one skipped');
  await t.rejects(read(), { code: 500 });
  t.ok(await read(), 'then exhausted');

  t.throws(() => api.faults.add({ verb: 'get' }), /exactly one action/);
  t.throws(() => api.faults.add({ verb: 'get', status: 500, hang: true }), /exactly one action/);
});

t.test('delay: the request is served, late', async (t) => {
  api.faults.add({ verb: 'get', delayMs: 150, times: 1 });
  const t0 = performance.now();
  t.equal((await read()).metadata?.name, 's');
  t.ok(performance.now() - t0 >= 140, 'not before the delay');
});

t.test('hang: no answer; the socket stays open until the client gives up', async (t) => {
  api.faults.add({ verb: 'get', hang: true, times: 1 });
  const ac = new AbortController();
  // Per-call middleware stamping a signal on the request: client-node's way to cancel one call.
  const p = core.readNamespacedSecret({ namespace: 'f', name: 's' }, {
    middlewareMergeStrategy: 'append',
    middleware: [
      {
        pre: (ctx: RequestContext) => (ctx.setSignal(ac.signal), new Observable(Promise.resolve(ctx))),
        post: (rsp: ResponseContext) => new Observable(Promise.resolve(rsp)),
      },
    ],
  });
  const rec = await api.log.waitFor((r) => r.verb === 'get' && r.fault?.hang === true);
  await new Promise((r) => setTimeout(r, 100));
  t.equal(api.faults.hungCount, 1);
  t.equal(rec.socketClosed, false, 'still open after 100 ms');
  t.equal(rec.status, undefined, 'never answered');
  ac.abort(new Error('caller gave up'));
  await t.rejects(p, { message: 'caller gave up' });
  await rec.whenSocketClosed();
  t.equal(api.faults.hungCount, 0);
});

t.test('releaseHung destroys held requests; reset kills the connection', async (t) => {
  api.faults.add({ verb: 'get', hang: true, times: 1 });
  const p = read();
  await api.log.waitFor((r) => r.verb === 'get' && r.fault?.hang === true && !r.socketClosed);
  api.faults.releaseHung();
  await t.rejects(p, { message: /fetch failed|terminated|other side closed/ });

  api.faults.add({ verb: 'get', reset: true, times: 1 });
  const err = (await read().catch((e: unknown) => e)) as Error & { cause?: { code?: string } };
  t.match(err.message, /fetch failed/);
  t.equal(err.cause?.code, 'UND_ERR_SOCKET');
});
