// WATCH through client-node's Watch and informer: event order, resuming from
// a resourceVersion, 410 after compaction, bookmarks, selectors, closing.
import t from 'tap';
import { CoreV1Api, makeInformer, Watch, type V1Secret } from '@kubernetes/client-node';
import { startTestApiServer } from './server.ts';

const api = await startTestApiServer({ bookmarkIntervalMs: 50 });
t.teardown(() => api.close());
const kc = api.kubeConfig();
const core = kc.makeApiClient(CoreV1Api);

interface Seen {
  type: string;
  name: string | undefined;
  rv: string | undefined;
  code?: number;
}

// Open a client-node watch; collect events; resolve `done` with its error.
async function watch(path: string, query: Record<string, string | boolean>) {
  const events: Seen[] = [];
  let resolveDone!: (err: unknown) => void;
  const done = new Promise<unknown>((r) => (resolveDone = r));
  const ctrl = await new Watch(kc).watch(
    path,
    query,
    (type, obj: { metadata?: { name?: string; resourceVersion?: string }; code?: number }) => {
      const e: Seen = { type, name: obj.metadata?.name, rv: obj.metadata?.resourceVersion };
      if (obj.code !== undefined) e.code = obj.code;
      events.push(e);
    },
    (err) => resolveDone(err),
  );
  const until = async (pred: (e: Seen[]) => boolean, ms = 5000): Promise<void> => {
    const end = Date.now() + ms;
    while (!pred(events)) {
      if (Date.now() > end) throw new Error(`timed out; saw ${JSON.stringify(events)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return { events, done, ctrl, until };
}

const secret = (name: string, labels: Record<string, string> = {}): V1Secret => ({ metadata: { name, labels } });

t.test('ADDED, MODIFIED, DELETED in order, from a resourceVersion', async (t) => {
  const first = await core.createNamespacedSecret({ namespace: 'w1', body: secret('before') });
  const w = await watch('/api/v1/namespaces/w1/secrets', { resourceVersion: first.metadata!.resourceVersion! });
  const a = await core.createNamespacedSecret({ namespace: 'w1', body: secret('a') });
  await core.patchNamespacedSecret({ namespace: 'w1', name: 'a', body: [{ op: 'add', path: '/data', value: { k: 'dg==' } }] });
  await core.deleteNamespacedSecret({ namespace: 'w1', name: 'a' });
  await core.createNamespacedSecret({ namespace: 'other', body: secret('elsewhere') });
  await w.until((e) => e.length >= 3);
  t.same(w.events.map((e) => [e.type, e.name]), [['ADDED', 'a'], ['MODIFIED', 'a'], ['DELETED', 'a']]);
  const rvs = w.events.map((e) => Number(e.rv));
  t.ok(rvs[0]! === Number(a.metadata?.resourceVersion) && rvs[0]! < rvs[1]! && rvs[1]! < rvs[2]!, 'each event has a newer resourceVersion');
  t.notOk(w.events.some((e) => e.name === 'before' || e.name === 'elsewhere'), 'no older events, no other namespace');
  w.ctrl.abort();
});

t.test('no resourceVersion: synthetic ADDED for what exists; old RV replays history', async (t) => {
  const x = await core.createNamespacedSecret({ namespace: 'w2', body: secret('x') });
  await core.createNamespacedSecret({ namespace: 'w2', body: secret('y') });
  const fresh = await watch('/api/v1/namespaces/w2/secrets', {});
  await fresh.until((e) => e.length >= 2);
  t.same(fresh.events.map((e) => [e.type, e.name]), [['ADDED', 'x'], ['ADDED', 'y']]);
  fresh.ctrl.abort();

  const replay = await watch('/api/v1/namespaces/w2/secrets', { resourceVersion: String(Number(x.metadata!.resourceVersion) - 1) });
  await replay.until((e) => e.length >= 2);
  t.same(replay.events.map((e) => e.name), ['x', 'y']);
  replay.ctrl.abort();
});

t.test('too old resourceVersion: ERROR event with a 410 Status, then the stream ends', async (t) => {
  const s = await core.createNamespacedSecret({ namespace: 'w3', body: secret('s') });
  await core.createNamespacedSecret({ namespace: 'w3', body: secret('later') });
  api.store.compact(); // history now starts after 'later': resuming at 's' is too old
  const w = await watch('/api/v1/namespaces/w3/secrets', { resourceVersion: s.metadata!.resourceVersion! });
  t.equal(await w.done, null, 'closed by the server');
  t.match(w.events, [{ type: 'ERROR', code: 410 }]);
  const body = api.log.entries.at(-1);
  t.match(body, { verb: 'watch', status: 200 });
});

t.test('HTTP 410 injected on WATCH reaches done() with statusCode', async (t) => {
  api.faults.add({ verb: 'watch', resource: 'secrets', status: 410, times: 1 });
  const w = await watch('/api/v1/namespaces/w3/secrets', { resourceVersion: '1' });
  t.match(await w.done, { statusCode: 410 });
});

t.test('bookmarks carry the current resourceVersion when asked for', async (t) => {
  const w = await watch('/api/v1/namespaces/w4/secrets', { allowWatchBookmarks: true, resourceVersion: String(api.store.resourceVersion) });
  await w.until((e) => e.some((x) => x.type === 'BOOKMARK'));
  t.equal(w.events.find((e) => e.type === 'BOOKMARK')?.rv, String(api.store.resourceVersion));
  w.ctrl.abort();
  const plain = await watch('/api/v1/namespaces/w4/secrets', { resourceVersion: String(api.store.resourceVersion) });
  await new Promise((r) => setTimeout(r, 200));
  t.same(plain.events, [], 'no bookmarks unless allowWatchBookmarks');
  plain.ctrl.abort();
});

t.test('label selector: leaving it is DELETED, entering it is ADDED', async (t) => {
  await core.createNamespacedSecret({ namespace: 'w5', body: secret('l', { tier: 'a' }) });
  const w = await watch('/api/v1/namespaces/w5/secrets', { labelSelector: 'tier=a', resourceVersion: String(api.store.resourceVersion) });
  const label = (v: string) => core.patchNamespacedSecret({ namespace: 'w5', name: 'l', body: [{ op: 'replace', path: '/metadata/labels/tier', value: v }] });
  await label('b');
  await label('c');
  await label('a');
  await w.until((e) => e.length >= 2);
  t.same(w.events.map((e) => e.type), ['DELETED', 'ADDED']);
  w.ctrl.abort();
});

t.test('timeoutSeconds and closeWatchAfterMs end the stream cleanly', async (t) => {
  const timed = await watch('/api/v1/namespaces/w6/secrets', { timeoutSeconds: 0.05 as unknown as string });
  t.equal(await timed.done, null);
  api.faults.add({ verb: 'watch', resource: 'secrets', closeWatchAfterMs: 30, times: 1 });
  const cut = await watch('/api/v1/namespaces/w6/secrets', {});
  t.equal(await cut.done, null);
});

t.test('dropWatches: end and destroy', async (t) => {
  const a = await watch('/api/v1/namespaces/w7/secrets', {});
  const b = await watch('/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', {});
  await api.log.waitFor((r) => r.verb === 'watch' && r.resource === 'validatingwebhookconfigurations');
  t.equal(api.faults.openWatches(), 2);
  t.equal(api.faults.dropWatches({ resource: 'secrets' }), 1);
  t.equal(await a.done, null, 'ended cleanly');
  t.equal(api.faults.dropWatches({ mode: 'destroy' }), 1);
  t.ok(await b.done, 'a destroyed stream is an error');
  t.equal(api.faults.openWatches(), 0);
});

t.test('client-node informer: list+watch, and relist after a compaction drops history', async (t) => {
  const ns = 'inf';
  await core.createNamespacedSecret({ namespace: ns, body: secret('one') });
  const informer = makeInformer(kc, `/api/v1/namespaces/${ns}/secrets`, () => core.listNamespacedSecret({ namespace: ns }));
  const log: string[] = [];
  informer.on('add', (o) => log.push(`add ${o.metadata?.name}`));
  informer.on('update', (o) => log.push(`update ${o.metadata?.name}`));
  informer.on('delete', (o) => log.push(`delete ${o.metadata?.name}`));
  let errors = 0;
  informer.on('error', () => errors++);
  await informer.start();
  const until = async (s: string) => {
    const end = Date.now() + 5000;
    while (!log.includes(s)) {
      if (Date.now() > end) throw new Error(`no ${s} in ${JSON.stringify(log)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  await until('add one');
  await core.createNamespacedSecret({ namespace: ns, body: secret('two') });
  await until('add two');

  // While nobody watches: changes happen and history is compacted away.
  const lists = () => api.log.find((r) => r.verb === 'list' && r.namespace === ns).length;
  const listsBefore = lists();
  api.faults.add({ verb: 'watch', resource: 'secrets', namespace: ns, delayMs: 100, times: 1 });
  api.faults.dropWatches({ resource: 'secrets' });
  api.store.delete('secrets', ns, 'one');
  api.store.put('secrets', { metadata: { name: 'three', namespace: ns } });
  api.store.compact();
  await until('add three');
  await until('delete one');
  t.ok(lists() > listsBefore, 'relisted after 410');
  t.same(informer.list(ns).map((o) => o.metadata?.name).sort(), ['three', 'two']);
  t.equal(errors, 0);
  await informer.stop();
});
