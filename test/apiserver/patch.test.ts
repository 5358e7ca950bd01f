// PATCH: JSON patch (test ops included), merge patch, server-side apply,
// through client-node (content type chosen with setHeaderOptions).
import t from 'tap';
import { AdmissionregistrationV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { webhookConfig } from './fixtures.ts';
import { startTestApiServer } from './server.ts';

const api = await startTestApiServer();
t.teardown(() => api.close());
const kc = api.kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const admission = kc.makeApiClient(AdmissionregistrationV1Api);
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const applyAs = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);

function statusOf(err: unknown): { code: number; reason: string; message: string; details?: { causes?: Array<{ reason?: string; message?: string; field?: string }> } } {
  return JSON.parse((err as { body: string }).body);
}

async function failure(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    return statusOf(err);
  }
  throw new Error('expected failure');
}

t.test('JSON patch: every op, test failures are 422 with the evanphx message', async (t) => {
  const s = await core.createNamespacedSecret({ namespace: 'p', body: { metadata: { name: 'j', labels: { a: '1' } }, data: { x: 'eA==', y: 'eQ==' } } });
  const patched = await core.patchNamespacedSecret({
    namespace: 'p',
    name: 'j',
    body: [
      { op: 'test', path: '/data/x', value: 'eA==' },
      { op: 'add', path: '/data/z', value: 'eg==' },
      { op: 'replace', path: '/data/x', value: 'WA==' },
      { op: 'remove', path: '/data/y' },
      { op: 'copy', from: '/data/z', path: '/data/w' },
      { op: 'move', from: '/metadata/labels/a', path: '/metadata/labels/b' },
      { op: 'add', path: '/metadata/annotations', value: { 'k8s.io/x~y': 'v' } },
    ],
  });
  t.same(patched.data, { x: 'WA==', z: 'eg==', w: 'eg==' });
  t.same(patched.metadata?.labels, { b: '1' });
  t.ok(Number(patched.metadata?.resourceVersion) > Number(s.metadata?.resourceVersion));
  t.equal(api.log.entries.at(-1)?.contentType, 'application/json-patch+json', 'client-node default patch type');

  const failed = await failure(core.patchNamespacedSecret({ namespace: 'p', name: 'j', body: [{ op: 'test', path: '/data/x', value: 'old' }, { op: 'replace', path: '/data/x', value: 'bmV3' }] }));
  t.match(failed, { code: 422, reason: 'Invalid', details: { causes: [{ reason: 'UnexpectedServerResponse', message: 'testing value /data/x failed: test failed' }] } });
  t.same((await core.readNamespacedSecret({ namespace: 'p', name: 'j' })).data?.x, 'WA==', 'a failed test changes nothing');

  t.match(await failure(core.patchNamespacedSecret({ namespace: 'p', name: 'j', body: [{ op: 'replace', path: '/data/missing', value: 'eA==' }] })), { code: 422 });
  t.match(await failure(core.patchNamespacedSecret({ namespace: 'p', name: 'j', body: [{ op: 'add', path: '/no/such/parent', value: 1 }] })), { code: 422 });
  t.match(await failure(core.patchNamespacedSecret({ namespace: 'p', name: 'j', body: { not: 'an array' } })), { code: 400 });
  t.match(await failure(core.patchNamespacedSecret({ namespace: 'p', name: 'missing', body: [] })), { code: 404 });
  const stale = await failure(core.patchNamespacedSecret({ namespace: 'p', name: 'j', body: [{ op: 'replace', path: '/metadata/resourceVersion', value: '1' }] }));
  t.match(stale, { code: 409, reason: 'Conflict' }, 'a resourceVersion in the patched object is a precondition');
  t.match(await failure(core.patchNamespacedSecret({ namespace: 'p', name: 'j', body: [{ op: 'replace', path: '/data/x', value: 'not base64' }] })), { code: 422, message: /illegal base64/ });
});

t.test('JSON patch guarding a caBundle: a concurrent writer makes it fail, not clobber', async (t) => {
  await admission.createValidatingWebhookConfiguration({ body: webhookConfig('guard', ['a.kadmit.io'], { caBundle: 'T0xE' }) });
  const guarded = (expected: string, next: string) => [
    { op: 'test', path: '/webhooks/0/name', value: 'a.kadmit.io' },
    { op: 'test', path: '/webhooks/0/clientConfig/caBundle', value: expected },
    { op: 'replace', path: '/webhooks/0/clientConfig/caBundle', value: next },
  ];
  const ok = await admission.patchValidatingWebhookConfiguration({ name: 'guard', body: guarded('T0xE', 'TkVX') });
  t.equal(ok.webhooks?.[0]?.clientConfig.caBundle, 'TkVX');
  api.store.update('validatingwebhookconfigurations', '', 'guard', (o) => {
    (o.webhooks as Array<{ clientConfig: { caBundle?: string } }>)[0]!.clientConfig.caBundle = 'R0lUT1BT';
  });
  t.match(await failure(admission.patchValidatingWebhookConfiguration({ name: 'guard', body: guarded('TkVX', 'TkVXRVI=') })), { code: 422 });
  t.equal((await admission.readValidatingWebhookConfiguration({ name: 'guard' })).webhooks?.[0]?.clientConfig.caBundle, 'R0lUT1BT', 'the other writer\'s value stands');
});

t.test('merge patch: merge, null deletes, resourceVersion precondition, no-op', async (t) => {
  const s = await core.createNamespacedSecret({ namespace: 'p', body: { metadata: { name: 'm', labels: { keep: 'y', drop: 'y' } }, data: { a: 'YQ==' } } });
  const patched = await core.patchNamespacedSecret({ namespace: 'p', name: 'm', body: { metadata: { labels: { drop: null, add: 'y' } }, data: { b: 'Yg==' } } }, merge);
  t.same(patched.metadata?.labels, { keep: 'y', add: 'y' });
  t.same(patched.data, { a: 'YQ==', b: 'Yg==' });
  t.equal(api.log.entries.at(-1)?.contentType, 'application/merge-patch+json');

  const stale = await failure(core.patchNamespacedSecret({ namespace: 'p', name: 'm', body: { metadata: { resourceVersion: s.metadata!.resourceVersion }, data: { c: 'Yw==' } } }, merge));
  t.match(stale, { code: 409 });
  const noop = await core.patchNamespacedSecret({ namespace: 'p', name: 'm', body: { data: { a: 'YQ==' } } }, merge);
  t.equal(noop.metadata?.resourceVersion, patched.metadata?.resourceVersion, 'no-op patch keeps the resourceVersion');
});

t.test('strategic merge patch is not supported: 415', async (t) => {
  await core.createNamespacedSecret({ namespace: 'p', body: { metadata: { name: 'smp' } } });
  const r = await failure(core.patchNamespacedSecret({ namespace: 'p', name: 'smp', body: { data: {} } }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch)));
  t.match(r, { code: 415, reason: 'UnsupportedMediaType' });
});

t.test('server-side apply: create, merge by key, conflicts, force, dropping fields', async (t) => {
  const cfg = (hooks: Record<string, string>) => ({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: 'ssa' },
    webhooks: Object.entries(hooks).map(([name, caBundle]) => ({ name, clientConfig: { caBundle } })),
  });
  // The "deploy" manager owns the webhook definitions (as a GitOps tool would).
  const base = webhookConfig('ssa', ['a.kadmit.io', 'b.kadmit.io']);
  const created = await admission.patchValidatingWebhookConfiguration({ name: 'ssa', fieldManager: 'deploy', body: base }, applyAs);
  t.equal(api.log.entries.at(-1)?.status, 201, 'apply creates');
  t.same(created.metadata?.managedFields?.map((m) => [m.manager, m.operation]), [['deploy', 'Apply']]);

  // kadmit applies only the caBundles; the webhooks list merges by name.
  const mine = await admission.patchValidatingWebhookConfiguration({ name: 'ssa', fieldManager: 'kadmit', body: cfg({ 'a.kadmit.io': 'QQ==', 'b.kadmit.io': 'QQ==' }) }, applyAs);
  t.same(mine.webhooks?.map((w) => [w.name, w.clientConfig.caBundle, w.sideEffects]), [['a.kadmit.io', 'QQ==', 'None'], ['b.kadmit.io', 'QQ==', 'None']]);
  t.match(JSON.stringify(mine.metadata?.managedFields), /k:\{\\"name\\":\\"a.kadmit.io\\"\}/, 'FieldsV1 keys list items by name');

  // Another writer resets a caBundle with a plain update: it now owns that field.
  const cur = await admission.readValidatingWebhookConfiguration({ name: 'ssa' });
  cur.webhooks![0]!.clientConfig.caBundle = 'R0lU';
  await admission.replaceValidatingWebhookConfiguration({ name: 'ssa', body: cur, fieldManager: 'gitops' });
  const conflict = await failure(admission.patchValidatingWebhookConfiguration({ name: 'ssa', fieldManager: 'kadmit', body: cfg({ 'a.kadmit.io': 'QQ==', 'b.kadmit.io': 'QQ==' }) }, applyAs));
  t.match(conflict, { code: 409, reason: 'Conflict', message: /Apply failed with 1 conflict: conflict with "gitops": \.webhooks\[name="a\.kadmit\.io"\]\.clientConfig\.caBundle/ });
  t.match(conflict.details?.causes?.[0], { reason: 'FieldManagerConflict', field: '.webhooks[name="a.kadmit.io"].clientConfig.caBundle' });

  const forced = await admission.patchValidatingWebhookConfiguration({ name: 'ssa', fieldManager: 'kadmit', force: true, body: cfg({ 'a.kadmit.io': 'QQ==', 'b.kadmit.io': 'QQ==' }) }, applyAs);
  t.equal(forced.webhooks?.[0]?.clientConfig.caBundle, 'QQ==', 'force takes the field back');
  t.notOk(forced.metadata?.managedFields?.some((m) => m.manager === 'gitops'), 'the loser owns nothing any more');

  // Same value applied by two managers: shared, no conflict.
  const again = await admission.patchValidatingWebhookConfiguration({ name: 'ssa', fieldManager: 'kadmit', body: cfg({ 'a.kadmit.io': 'QQ==', 'b.kadmit.io': 'QQ==' }) }, applyAs);
  t.equal(again.metadata?.resourceVersion, forced.metadata?.resourceVersion, 'identical apply is a no-op');

  // Stop applying b's caBundle: kadmit's field is removed, deploy's webhook stays.
  const dropped = await admission.patchValidatingWebhookConfiguration({ name: 'ssa', fieldManager: 'kadmit', body: cfg({ 'a.kadmit.io': 'QQ==' }) }, applyAs);
  t.same(dropped.webhooks?.map((w) => [w.name, w.clientConfig.caBundle]), [['a.kadmit.io', 'QQ=='], ['b.kadmit.io', undefined]]);

  t.match(await failure(admission.patchValidatingWebhookConfiguration({ name: 'ssa', body: cfg({}) }, applyAs)), { code: 400, message: /fieldManager/ });
  const noKind = { metadata: { name: 'ssa' } };
  t.match(await failure(admission.patchValidatingWebhookConfiguration({ name: 'ssa', fieldManager: 'x', body: noKind }, applyAs)), { code: 400, message: /apiVersion and kind/ });
});

t.test('server-side apply on secrets: applied YAML body, dropping keys', async (t) => {
  const body = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'ssa-s' }, data: { a: 'YQ==', b: 'Yg==' } };
  await core.patchNamespacedSecret({ namespace: 'p', name: 'ssa-s', fieldManager: 'kadmit', body }, applyAs);
  const out = await core.patchNamespacedSecret({ namespace: 'p', name: 'ssa-s', fieldManager: 'kadmit', body: { ...body, data: { a: 'YQ==' } } }, applyAs);
  t.same(out.data, { a: 'YQ==' });
  t.equal(api.log.entries.at(-1)?.query.fieldManager, 'kadmit');
});
