// watchStream and the Reflector (via watchSecret) against dropped, broken,
// expired, failing and hanging watches: the copy always converges.
import t from 'tap';
import { KubeErrorCode } from '../../src/kube/errors.ts';
import { createKube } from '../../src/kube/kube.ts';
import { Reflector } from '../../src/kube/reflector.ts';
import { watchSecret, type WireSecret } from '../../src/kube/secrets.ts';
import { watchStream } from '../../src/kube/watch-stream.ts';
import { DeadlineExceeded, until, testApiServer } from './helpers.ts';

const { api, kc } = await testApiServer(t, { bookmarkIntervalMs: 100 });
const kube = createKube(kc, { requestTimeoutMs: 1000 });
const backoff = { baseDelayMs: 5, maxDelayMs: 20 };
const path = (ns: string) => `/api/v1/namespaces/${ns}/secrets`;
const put = (ns: string, name: string, v: string) => api.store.put('secrets', { metadata: { name, namespace: ns }, data: { v: Buffer.from(v).toString('base64') } });
const value = (s: WireSecret | undefined) => (s?.data?.v === undefined ? undefined : Buffer.from(s.data.v, 'base64').toString());

t.beforeEach(() => api.faults.clear());

t.test('watchStream: events, bookmarks, and cancellation at any point', async (t) => {
  const ac = new AbortController();
  const seen: string[] = [];
  const consumed = (async () => {
    for await (const ev of watchStream(kc, path('ws'), { signal: ac.signal, idleTimeoutMs: 5000, allowWatchBookmarks: true, resourceVersion: String(api.store.resourceVersion) })) {
      seen.push(ev.type === 'BOOKMARK' ? 'BOOKMARK' : `${ev.type} ${ev.object.metadata?.name}`);
    }
  })();
  await until(() => api.faults.openWatches('secrets') === 1, 'watch open');
  put('ws', 'a', '1');
  await until(() => seen.includes('ADDED a') && seen.includes('BOOKMARK'), 'event and bookmark');
  const reason = new DeadlineExceeded('stop');
  ac.abort(reason);
  t.equal(await consumed.catch((e: unknown) => e), reason);
  await until(() => api.faults.openWatches('secrets') === 0, 'server-side stream closed');

  // A watch whose connect hangs can still be cancelled (client-node's Watch cannot until headers arrive).
  api.faults.add({ verb: 'watch', hang: true, times: 1 });
  const ac2 = new AbortController();
  const hung = (async () => {
    for await (const _ of watchStream(kc, path('ws'), { signal: ac2.signal, idleTimeoutMs: 60_000 })) void _;
  })();
  await until(() => api.faults.hungCount === 1, 'hung connect');
  ac2.abort(reason);
  t.equal(await hung.catch((e: unknown) => e), reason);
  await until(() => api.faults.hungCount === 0, 'connection closed');

  // Silence longer than idleTimeoutMs: the stream is abandoned with a Timeout.
  api.faults.add({ verb: 'watch', hang: true, times: 1 });
  const idle = await (async () => {
    for await (const _ of watchStream(kc, path('ws'), { idleTimeoutMs: 100 })) void _;
  })().catch((e: unknown) => e);
  t.match(idle, { code: KubeErrorCode.Timeout });

  // Leaving the loop early closes the request.
  put('ws', 'b', '1');
  for await (const ev of watchStream(kc, path('ws'), { idleTimeoutMs: 5000 })) {
    t.equal(ev.type, 'ADDED');
    break;
  }
  await until(() => api.faults.openWatches('secrets') === 0, 'closed after break');

  api.faults.add({ verb: 'watch', status: 403, times: 1 });
  const denied = await (async () => {
    for await (const _ of watchStream(kc, path('ws'), { idleTimeoutMs: 5000 })) void _;
  })().catch((e: unknown) => e);
  t.match(denied, { code: KubeErrorCode.Forbidden });
});

t.test('watchSecret: absent, created, modified, deleted, recreated', async (t) => {
  const states: Array<string | undefined> = [];
  const r = watchSecret(kube, 'w1', 'certs', (s) => states.push(value(s)), { backoff });
  await r.waitForSync();
  t.same(states, [undefined], 'first call: not there');
  put('w1', 'certs', 'v1');
  put('w1', 'unrelated', 'x');
  await until(() => states.at(-1) === 'v1', 'created');
  put('w1', 'certs', 'v2');
  await until(() => states.at(-1) === 'v2', 'modified');
  api.store.delete('secrets', 'w1', 'certs');
  await until(() => states.length === 4, 'deleted');
  t.equal(states[3], undefined);
  put('w1', 'certs', 'v3');
  await until(() => states.at(-1) === 'v3', 'recreated');
  t.same(states, [undefined, 'v1', 'v2', undefined, 'v3']);
  await r.stop();
  await until(() => api.faults.openWatches('secrets') === 0, 'stop closes the stream');
});

t.test('dropped watches (clean end or destroyed socket) resume from the last resourceVersion', async (t) => {
  const states: Array<string | undefined> = [];
  put('w2', 'certs', 'a');
  const r = watchSecret(kube, 'w2', 'certs', (s) => states.push(value(s)), { backoff });
  await until(() => states.at(-1) === 'a', 'initial');
  for (const mode of ['end', 'destroy'] as const) {
    await until(() => api.faults.openWatches('secrets') === 1, 'watching');
    api.faults.dropWatches({ resource: 'secrets', mode });
    put('w2', 'certs', `after-${mode}`);
    await until(() => states.at(-1) === `after-${mode}`, `change after ${mode}`);
  }
  t.equal(r.stats.lists, 1, 'resumed by resourceVersion: no relist');
  t.ok(r.stats.watches >= 3);
  await r.stop();
});

t.test('history compacted while disconnected: 410, relist, missed changes delivered', async (t) => {
  const states: Array<string | undefined> = [];
  put('w3', 'certs', 'a');
  const r = watchSecret(kube, 'w3', 'certs', (s) => states.push(value(s)), { backoff });
  await until(() => states.at(-1) === 'a', 'initial');
  await until(() => api.faults.openWatches('secrets') === 1, 'watching');
  api.faults.add({ verb: 'watch', status: 503, times: 2 }); // stay away a little
  api.faults.dropWatches({ resource: 'secrets' });
  put('w3', 'certs', 'missed');
  api.store.delete('secrets', 'w3', 'certs');
  api.store.compact();
  await until(() => states.at(-1) === undefined && states.length >= 2, 'deletion seen via relist');
  t.ok(r.stats.expired >= 1, 'got 410');
  t.equal(r.stats.lists, 2, 'relisted once');
  t.ok(r.stats.errors >= 2, 'the 503s were reported');
  put('w3', 'certs', 'back');
  await until(() => states.at(-1) === 'back', 'watching again');
  await r.stop();
});

t.test('a change the watch never announces is still found by the next relist', async (t) => {
  const r = new Reflector<WireSecret>({ kube, path: path('w4'), backoff });
  r.start();
  await r.waitForSync();
  api.store.put('secrets', { metadata: { name: 'quiet', namespace: 'w4' } }, { silent: true });
  await new Promise((res) => setTimeout(res, 50));
  t.equal(r.get('quiet', 'w4'), undefined, 'not announced');
  api.store.compact();
  api.faults.dropWatches({ resource: 'secrets' });
  await until(() => r.get('quiet', 'w4') !== undefined, 'found by the relist');
  await r.stop();
});

t.test('failures back off and recover: list 500s, watch resets, idle streams', async (t) => {
  const errors: string[] = [];
  api.faults.add({ verb: 'list', status: 500, times: 3 });
  const r = new Reflector<WireSecret>({ kube, path: path('w5'), backoff, idleTimeoutMs: 300, onError: (e) => errors.push((e as { code: string }).code) });
  r.start();
  await r.waitForSync();
  t.same(errors.slice(0, 3), [KubeErrorCode.Unavailable, KubeErrorCode.Unavailable, KubeErrorCode.Unavailable]);

  api.faults.add({ verb: 'watch', reset: true, times: 2 });
  api.faults.add({ verb: 'watch', hang: true, times: 1 });
  api.faults.dropWatches({ resource: 'secrets' });
  put('w5', 'late', '1');
  await until(() => r.get('late', 'w5') !== undefined, 'recovered');
  t.ok(errors.includes(KubeErrorCode.Timeout), 'the hung watch was abandoned');
  await r.stop();
  t.equal(api.faults.hungCount, 0, 'nothing left hanging');
});

t.test('a server that closes every watch at once does not make it spin', async (t) => {
  const r = new Reflector<WireSecret>({ kube, path: path('w6'), backoff: { baseDelayMs: 50, maxDelayMs: 50 } });
  api.faults.add({ verb: 'watch', closeWatchAfterMs: 0 });
  r.start();
  await r.waitForSync();
  await new Promise((res) => setTimeout(res, 500));
  t.ok(r.stats.watches < 40, `${r.stats.watches} watches in 500 ms`);
  await r.stop();
});

t.test('the Kube signal (shutdown) stops a reflector', async (t) => {
  const shutdown = new AbortController();
  const r = new Reflector<WireSecret>({ kube: createKube(kc, { signal: shutdown.signal }), path: path('w7'), backoff });
  r.start();
  await r.waitForSync();
  await until(() => api.faults.openWatches('secrets') === 1, 'watching');
  shutdown.abort(new Error('shutdown'));
  await until(() => api.faults.openWatches('secrets') === 0, 'stream closed');
  await r.stop();
  t.pass();
});
