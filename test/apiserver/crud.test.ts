// GET/LIST/CREATE/UPDATE/DELETE against the test API server, through the
// real client-node typed clients, with apiserver's error Statuses.
import t from 'tap';
import { AdmissionregistrationV1Api, ApiextensionsV1Api, CoordinationV1Api, CoreV1Api, type V1Secret } from '@kubernetes/client-node';
import { startTestApiServer } from './server.ts';
import { webhookConfig } from './fixtures.ts';

const api = await startTestApiServer();
t.teardown(() => api.close());
const kc = api.kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const admission = kc.makeApiClient(AdmissionregistrationV1Api);

// client-node's ApiException carries the Status as JSON text.
async function status(p: Promise<unknown>): Promise<{ code: number; reason: string; message: string; details?: { name?: string; kind?: string; group?: string; causes?: unknown[] } }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code: number; body: string };
    const body = JSON.parse(e.body) as { kind: string; code: number; reason: string; message: string };
    if (body.kind !== 'Status' || body.code !== e.code) throw new Error(`not a Status: ${e.body}`);
    return body;
  }
  throw new Error('expected the call to fail');
}

t.test('create, get, list: server fields and resourceVersions', async (t) => {
  const a = await core.createNamespacedSecret({ namespace: 'crud', body: { metadata: { name: 'a', labels: { app: 'x' } }, data: { k: 'dg==' } } });
  t.match(a.metadata, { name: 'a', namespace: 'crud' });
  t.match(a.metadata?.uid, /^[0-9a-f-]{36}$/);
  t.ok(a.metadata?.creationTimestamp instanceof Date);
  t.equal(a.type, 'Opaque', 'type defaulted');
  t.equal(a.metadata?.generation, undefined, 'secrets have no generation');
  const b = await core.createNamespacedSecret({ namespace: 'crud', body: { metadata: { name: 'b', labels: { app: 'y' } }, stringData: { s: 'hello' } } });
  t.ok(Number(b.metadata?.resourceVersion) > Number(a.metadata?.resourceVersion), 'resourceVersion increases');
  t.same(b.data, { s: Buffer.from('hello').toString('base64') }, 'stringData merged into data');
  t.equal((b as V1Secret & { stringData?: unknown }).stringData, undefined, 'stringData never returned');

  const got = await core.readNamespacedSecret({ namespace: 'crud', name: 'a' });
  t.equal(got.metadata?.resourceVersion, a.metadata?.resourceVersion);

  const all = await core.listNamespacedSecret({ namespace: 'crud' });
  t.same(all.items.map((s) => s.metadata?.name).sort(), ['a', 'b']);
  t.equal(all.metadata?.resourceVersion, b.metadata?.resourceVersion, 'list RV is the latest');
  t.same((await core.listNamespacedSecret({ namespace: 'crud', labelSelector: 'app=x' })).items.map((s) => s.metadata?.name), ['a']);
  t.same((await core.listNamespacedSecret({ namespace: 'crud', labelSelector: 'app in (x,y),app!=y' })).items.map((s) => s.metadata?.name), ['a']);
  t.same((await core.listNamespacedSecret({ namespace: 'crud', fieldSelector: 'metadata.name=b' })).items.map((s) => s.metadata?.name), ['b']);
  t.same((await core.listNamespacedSecret({ namespace: 'elsewhere' })).items, []);
  t.ok((await core.listSecretForAllNamespaces()).items.length >= 2, 'list across namespaces');

  const gen = await core.createNamespacedSecret({ namespace: 'crud', body: { metadata: { generateName: 'gen-' } } });
  t.match(gen.metadata?.name, /^gen-[0-9a-f]{5}$/);
});

t.test('404 NotFound, 409 AlreadyExists, 422 Invalid, 400, 401', async (t) => {
  const nf = await status(core.readNamespacedSecret({ namespace: 'crud', name: 'missing' }));
  t.match(nf, { code: 404, reason: 'NotFound', message: 'secrets "missing" not found', details: { name: 'missing', kind: 'secrets' } });
  const nfGroup = await status(admission.readValidatingWebhookConfiguration({ name: 'missing' }));
  t.match(nfGroup, { code: 404, message: 'validatingwebhookconfigurations.admissionregistration.k8s.io "missing" not found', details: { group: 'admissionregistration.k8s.io' } });

  await core.createNamespacedSecret({ namespace: 'errs', body: { metadata: { name: 'dup' } } });
  t.match(await status(core.createNamespacedSecret({ namespace: 'errs', body: { metadata: { name: 'dup' } } })), { code: 409, reason: 'AlreadyExists', message: 'secrets "dup" already exists' });

  const inv = await status(core.createNamespacedSecret({ namespace: 'errs', body: { metadata: { name: 'Bad_Name' } } }));
  t.match(inv, { code: 422, reason: 'Invalid', details: { causes: [{ field: 'metadata.name' }] } });
  t.match(await status(core.createNamespacedSecret({ namespace: 'errs', body: { metadata: {} } })), { code: 422, message: /name or generateName is required/ });
  t.match(await status(core.createNamespacedSecret({ namespace: 'errs', body: { metadata: { name: 'b64' }, data: { k: 'not base64!' } } })), { code: 422, message: /illegal base64/ });
  t.match(await status(core.createNamespacedSecret({ namespace: 'errs', body: { metadata: { name: 'ns', namespace: 'other' } } })), { code: 400, reason: 'BadRequest' });

  const bad = api.kubeConfig({ token: 'wrong' }).makeApiClient(CoreV1Api);
  await t.rejects(bad.readNamespacedSecret({ namespace: 'errs', name: 'dup' }), { code: 401 });
});

t.test('replace: resourceVersion precondition, unconditional update, no-op', async (t) => {
  const s = await core.createNamespacedSecret({ namespace: 'upd', body: { metadata: { name: 's' }, data: { v: 'MQ==' } } });
  const rv1 = s.metadata!.resourceVersion!;
  const s2 = await core.replaceNamespacedSecret({ namespace: 'upd', name: 's', body: { ...s, data: { v: 'Mg==' } } });
  t.ok(Number(s2.metadata?.resourceVersion) > Number(rv1));
  t.equal(s2.metadata?.uid, s.metadata?.uid, 'uid kept');

  const stale = await status(core.replaceNamespacedSecret({ namespace: 'upd', name: 's', body: { ...s, data: { v: 'Mw==' } } }));
  t.match(stale, { code: 409, reason: 'Conflict', message: /Operation cannot be fulfilled on secrets "s": the object has been modified/ });

  const { resourceVersion: _drop, ...metaNoRv } = s2.metadata!;
  const forced = await core.replaceNamespacedSecret({ namespace: 'upd', name: 's', body: { metadata: metaNoRv, data: { v: 'NA==' } } });
  t.same(forced.data, { v: 'NA==' }, 'no resourceVersion: unconditional');

  const same = await core.replaceNamespacedSecret({ namespace: 'upd', name: 's', body: forced });
  t.equal(same.metadata?.resourceVersion, forced.metadata?.resourceVersion, 'no-op update keeps the resourceVersion');

  t.match(await status(core.replaceNamespacedSecret({ namespace: 'upd', name: 'nope', body: { metadata: { name: 'nope' } } })), { code: 404 });
  t.match(await status(core.replaceNamespacedSecret({ namespace: 'upd', name: 's', body: { metadata: { name: 'other' } } })), { code: 400 });
  t.match(await status(core.replaceNamespacedSecret({ namespace: 'upd', name: 's', body: { metadata: { name: 's', uid: 'x' } } })), { code: 409, message: /UID in precondition/ });

  const imm = await core.createNamespacedSecret({ namespace: 'upd', body: { metadata: { name: 'imm' }, immutable: true, data: { a: 'YQ==' } } });
  t.match(await status(core.replaceNamespacedSecret({ namespace: 'upd', name: 'imm', body: { ...imm, data: { a: 'Yg==' } } })), { code: 422, message: /immutable/ });
});

t.test('delete: Status body, preconditions, 404', async (t) => {
  const s = await core.createNamespacedSecret({ namespace: 'del', body: { metadata: { name: 'd' } } });
  t.match(await status(core.deleteNamespacedSecret({ namespace: 'del', name: 'd', body: { preconditions: { resourceVersion: '1' } } })), { code: 409, message: /Precondition failed/ });
  const st = await core.deleteNamespacedSecret({ namespace: 'del', name: 'd', body: { preconditions: { resourceVersion: s.metadata!.resourceVersion! } } });
  t.match(st, { status: 'Success', details: { name: 'd', kind: 'secrets', uid: s.metadata?.uid } });
  t.match(await status(core.deleteNamespacedSecret({ namespace: 'del', name: 'd' })), { code: 404 });
  t.equal(api.store.get('secrets', 'del', 'd'), undefined);
});

t.test('webhook configurations: cluster-scoped, defaults, generation, validation', async (t) => {
  const v = await admission.createValidatingWebhookConfiguration({ body: webhookConfig('v1', ['a.kadmit.io', 'b.kadmit.io']) });
  t.equal(v.metadata?.namespace, undefined);
  t.equal(v.metadata?.generation, 1);
  t.match(v.webhooks?.[0], { failurePolicy: 'Fail', matchPolicy: 'Equivalent', timeoutSeconds: 10, clientConfig: { service: { port: 443 } } });
  const m = await admission.createMutatingWebhookConfiguration({ body: webhookConfig('m1', ['m.kadmit.io'], { kind: 'MutatingWebhookConfiguration' }) });
  t.equal(m.webhooks?.[0]?.reinvocationPolicy, 'Never');

  const relabeled = await admission.replaceValidatingWebhookConfiguration({ name: 'v1', body: { ...v, metadata: { ...v.metadata, labels: { x: 'y' } } } });
  t.equal(relabeled.metadata?.generation, 1, 'metadata-only change keeps generation');
  const changed = await admission.replaceValidatingWebhookConfiguration({ name: 'v1', body: { ...relabeled, webhooks: [relabeled.webhooks![0]!] } });
  t.equal(changed.metadata?.generation, 2, 'spec change bumps generation');

  const list = await admission.listValidatingWebhookConfiguration({ labelSelector: 'x=y' });
  t.same(list.items.map((i) => i.metadata?.name), ['v1']);

  const bad = webhookConfig('bad', ['a.kadmit.io', 'a.kadmit.io']);
  bad.webhooks![0]!.clientConfig.caBundle = '%%%';
  delete (bad.webhooks![1] as { sideEffects?: string }).sideEffects;
  const inv = await status(admission.createValidatingWebhookConfiguration({ body: bad }));
  t.equal(inv.code, 422);
  t.match(inv.message, /caBundle/);
  t.match(inv.message, /Duplicate value/);
  t.match(inv.message, /sideEffects/);
});

t.test('leases, events, CRDs', async (t) => {
  const coord = kc.makeApiClient(CoordinationV1Api);
  const lease = await coord.createNamespacedLease({ namespace: 'kadmit', body: { metadata: { name: 'leader' }, spec: { holderIdentity: 'pod-a', leaseDurationSeconds: 15 } } });
  t.equal(lease.spec?.holderIdentity, 'pod-a');
  const taken = await coord.replaceNamespacedLease({ namespace: 'kadmit', name: 'leader', body: { ...lease, spec: { ...lease.spec, holderIdentity: 'pod-b' } } });
  t.equal(taken.spec?.holderIdentity, 'pod-b');
  await t.rejects(coord.replaceNamespacedLease({ namespace: 'kadmit', name: 'leader', body: lease }), { code: 409 }, 'stale lease update conflicts');

  const ev = await core.createNamespacedEvent({
    namespace: 'kadmit',
    body: { metadata: { name: 'x.1' }, involvedObject: { kind: 'Secret', name: 'x', namespace: 'kadmit' }, reason: 'Rotated', message: 'hi', type: 'Normal' },
  });
  t.equal(ev.reason, 'Rotated');
  t.equal((await core.listNamespacedEvent({ namespace: 'kadmit' })).items.length, 1);

  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const crd = await ext.createCustomResourceDefinition({
    body: {
      metadata: { name: 'widgets.kadmit.io' },
      spec: {
        group: 'kadmit.io',
        names: { plural: 'widgets', kind: 'Widget' },
        scope: 'Namespaced',
        versions: [{ name: 'v1', served: true, storage: true }],
        conversion: { strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'], clientConfig: { service: { name: 'kadmit', namespace: 'kadmit' } } } },
      },
    },
  });
  t.equal(crd.metadata?.generation, 1);
  t.equal((await ext.readCustomResourceDefinition({ name: 'widgets.kadmit.io' })).spec.group, 'kadmit.io');
});

t.test('store: out-of-band writes are visible through the API', async (t) => {
  const put = api.store.put('secrets', { metadata: { name: 'oob', namespace: 'store' }, data: { x: 'eA==' } });
  const read = await core.readNamespacedSecret({ namespace: 'store', name: 'oob' });
  t.equal(read.metadata?.resourceVersion, (put.metadata as { resourceVersion: string }).resourceVersion);
  api.store.update('secrets', 'store', 'oob', (o) => {
    o.data = { x: 'corrupt!' }; // bypasses validation, as a broken writer could
  });
  t.same((await core.readNamespacedSecret({ namespace: 'store', name: 'oob' })).data, { x: 'corrupt!' });
  t.ok(api.store.delete('secrets', 'store', 'oob'));
  await t.rejects(core.readNamespacedSecret({ namespace: 'store', name: 'oob' }), { code: 404 });
});

t.test('request log records verb, path, query and content type', async (t) => {
  api.log.clear();
  await core.listNamespacedSecret({ namespace: 'crud', labelSelector: 'app=x' });
  await core.createNamespacedSecret({ namespace: 'log', body: { metadata: { name: 'l' } } });
  const [list, create] = api.log.entries;
  t.match(list, { verb: 'list', method: 'GET', path: '/api/v1/namespaces/crud/secrets', query: { labelSelector: 'app=x' }, status: 200, resource: 'secrets', namespace: 'crud' });
  t.match(create, { verb: 'create', method: 'POST', contentType: 'application/json', status: 201, body: { metadata: { name: 'l' } } });
});
