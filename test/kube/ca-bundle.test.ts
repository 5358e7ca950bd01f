// caBundle targets: find them, patch only their caBundle fields with guarded
// JSON patches, fail cleanly on concurrent changes, notice resets by watching.
import t from 'tap';
import {
  caBundlePatch,
  caBundleTarget,
  decodeCaBundle,
  encodeCaBundle,
  getCaBundleTarget,
  listCaBundleTargets,
  patchCaBundles,
  watchCaBundleTargets,
  type CaBundleTarget,
} from '../../src/kube/ca-bundle.ts';
import { isKubeError, KubeErrorCode } from '../../src/kube/errors.ts';
import { createKube } from '../../src/kube/kube.ts';
import { retry } from '../../src/kube/retry.ts';
import { webhookConfig } from '../apiserver/fixtures.ts';
import { until, testApiServer } from './helpers.ts';

const { api, kc } = await testApiServer(t, { bookmarkIntervalMs: 200 });
const kube = createKube(kc, { requestTimeoutMs: 2000 });
const OLD = encodeCaBundle('-----BEGIN CERTIFICATE-----\nOLD\n-----END CERTIFICATE-----\n');
const NEW = encodeCaBundle('-----BEGIN CERTIFICATE-----\nOLD\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nNEXT\n-----END CERTIFICATE-----\n');
const VWC = 'validatingwebhookconfigurations';

function seed(name: string, hooks: string[], caBundle?: string, kind: 'ValidatingWebhookConfiguration' | 'MutatingWebhookConfiguration' = 'ValidatingWebhookConfiguration') {
  const resource = kind === 'ValidatingWebhookConfiguration' ? VWC : 'mutatingwebhookconfigurations';
  api.store.put(resource, webhookConfig(name, hooks, { kind, ...(caBundle === undefined ? {} : { caBundle }) }) as never, { manager: 'deploy' });
}
const stored = (name: string, resource = VWC) =>
  (api.store.get(resource, '', name)?.webhooks as Array<{ name: string; clientConfig: { caBundle?: string } }>).map((w) => [w.name, w.clientConfig.caBundle]);

t.beforeEach(() => api.faults.clear());

t.test('find targets by name or label; missing is NotFound', async (t) => {
  seed('kadmit-v', ['a.kadmit.io', 'b.kadmit.io'], OLD);
  seed('kadmit-m', ['m.kadmit.io'], undefined, 'MutatingWebhookConfiguration');
  api.store.put(VWC, { ...webhookConfig('someone-else', ['x.other.io']), metadata: { name: 'someone-else', labels: { app: 'other' } } } as never);
  const byName = await getCaBundleTarget(kube, 'ValidatingWebhookConfiguration', 'kadmit-v');
  t.match(byName, { kind: 'ValidatingWebhookConfiguration', name: 'kadmit-v', labels: { app: 'kadmit' } });
  t.same(byName.slots.map((s) => [s.label, s.path, s.caBundle]), [
    ['a.kadmit.io', '/webhooks/0/clientConfig/caBundle', OLD],
    ['b.kadmit.io', '/webhooks/1/clientConfig/caBundle', OLD],
  ]);
  const labelled = await listCaBundleTargets(kube, { kind: 'ValidatingWebhookConfiguration', labelSelector: 'app=kadmit' });
  t.same(labelled.map((x) => x.name), ['kadmit-v']);
  const mutating = await listCaBundleTargets(kube, { kind: 'MutatingWebhookConfiguration', name: 'kadmit-m' });
  t.same(mutating[0]?.slots.map((s) => s.caBundle), [undefined]);
  await t.rejects(getCaBundleTarget(kube, 'ValidatingWebhookConfiguration', 'nope'), { code: KubeErrorCode.NotFound });
  await t.rejects(listCaBundleTargets(kube, { kind: 'ValidatingWebhookConfiguration' }), /exactly one of name or labelSelector/);
});

t.test('caBundlePatch: only what differs, always guarded', async (t) => {
  const target: CaBundleTarget = caBundleTarget('ValidatingWebhookConfiguration', {
    metadata: { name: 'x', resourceVersion: '7' },
    webhooks: [
      { name: 'a', clientConfig: { caBundle: OLD } },
      { name: 'b', clientConfig: {} },
      { name: 'c', clientConfig: { caBundle: NEW } },
    ],
  });
  t.same(caBundlePatch(target, NEW), [
    { op: 'test', path: '/metadata/resourceVersion', value: '7' },
    { op: 'test', path: '/webhooks/0/name', value: 'a' },
    { op: 'test', path: '/webhooks/0/clientConfig/caBundle', value: OLD },
    { op: 'replace', path: '/webhooks/0/clientConfig/caBundle', value: NEW },
    { op: 'test', path: '/webhooks/1/name', value: 'b' },
    { op: 'add', path: '/webhooks/1/clientConfig/caBundle', value: NEW },
  ]);
  t.same(caBundlePatch(target, (s) => (s.label === 'a' ? NEW : undefined)).map((o) => o.op), ['test', 'test', 'replace'], 'no resourceVersion guard when every slot has a value to test');
  t.same(caBundlePatch({ ...target, slots: target.slots.slice(2) }, NEW), [], 'nothing to do');
});

t.test('patchCaBundles writes only caBundle fields', async (t) => {
  const before = api.store.get(VWC, '', 'kadmit-v')!;
  const target = await getCaBundleTarget(kube, 'ValidatingWebhookConfiguration', 'kadmit-v');
  const { changed, target: after } = await patchCaBundles(kube, target, NEW);
  t.ok(changed);
  t.same(after.slots.map((s) => s.caBundle), [NEW, NEW]);
  t.ok(Number(after.resourceVersion) > Number(target.resourceVersion));
  const req = api.log.entries.at(-1)!;
  t.match(req, { verb: 'patch', contentType: 'application/json-patch+json', status: 200 });
  const now = api.store.get(VWC, '', 'kadmit-v')!;
  const strip = (o: Record<string, unknown>) => JSON.stringify({ ...o, metadata: undefined, webhooks: (o.webhooks as Array<{ clientConfig: Record<string, unknown> }>).map((w) => ({ ...w, clientConfig: { ...w.clientConfig, caBundle: undefined } })) });
  t.equal(strip(now), strip(before), 'everything but caBundle untouched');
  t.equal(decodeCaBundle(after.slots[0]!.caBundle), decodeCaBundle(NEW));
  t.same(await patchCaBundles(kube, after, NEW), { changed: false, target: after }, 'already there: no request');
});

t.test('a concurrent writer makes the patch fail cleanly, never clobbered', async (t) => {
  seed('race', ['a.kadmit.io', 'b.kadmit.io'], OLD);
  const stale = await getCaBundleTarget(kube, 'ValidatingWebhookConfiguration', 'race');
  const GITOPS = encodeCaBundle('reset by gitops');
  api.store.update(VWC, '', 'race', (o) => {
    (o.webhooks as Array<{ clientConfig: { caBundle?: string } }>)[1]!.clientConfig.caBundle = GITOPS;
  }, { manager: 'argocd' });
  await t.rejects(patchCaBundles(kube, stale, NEW), { code: KubeErrorCode.Conflict });
  t.same(stored('race'), [['a.kadmit.io', OLD], ['b.kadmit.io', GITOPS]], 'nothing half-applied');

  // Reordered webhooks: the identity test catches the shifted index.
  seed('shift', ['a.kadmit.io', 'b.kadmit.io'], OLD);
  const before = await getCaBundleTarget(kube, 'ValidatingWebhookConfiguration', 'shift');
  api.store.update(VWC, '', 'shift', (o) => void (o.webhooks as unknown[]).reverse());
  await t.rejects(patchCaBundles(kube, before, (s) => (s.label === 'a.kadmit.io' ? NEW : undefined)), { code: KubeErrorCode.Conflict });

  // A slot without a value is guarded by the resourceVersion.
  seed('empty', ['a.kadmit.io']);
  const empty = await getCaBundleTarget(kube, 'ValidatingWebhookConfiguration', 'empty');
  api.store.update(VWC, '', 'empty', (o) => void ((o.metadata as { labels: Record<string, string> }).labels.touched = 'yes'));
  await t.rejects(patchCaBundles(kube, empty, NEW), { code: KubeErrorCode.Conflict });

  // Re-read and retry: the documented way out of a conflict.
  const result = await retry(
    async () => patchCaBundles(kube, await getCaBundleTarget(kube, 'ValidatingWebhookConfiguration', 'race'), NEW),
    { baseDelayMs: 1, maxDelayMs: 5, retryable: (e) => isKubeError(e, KubeErrorCode.Conflict) },
  );
  t.ok(result.changed);
  t.same(stored('race'), [['a.kadmit.io', NEW], ['b.kadmit.io', NEW]]);
});

t.test('mutating configurations and CRD conversion webhooks', async (t) => {
  const m = await getCaBundleTarget(kube, 'MutatingWebhookConfiguration', 'kadmit-m');
  const done = await patchCaBundles(kube, m, NEW);
  t.same(done.target.slots.map((s) => s.caBundle), [NEW]);
  t.same(stored('kadmit-m', 'mutatingwebhookconfigurations'), [['m.kadmit.io', NEW]]);

  api.store.put('customresourcedefinitions', {
    metadata: { name: 'widgets.kadmit.io' },
    spec: {
      group: 'kadmit.io',
      names: { plural: 'widgets', kind: 'Widget' },
      scope: 'Namespaced',
      versions: [{ name: 'v1', served: true, storage: true }],
      conversion: { strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'], clientConfig: { service: { name: 'kadmit', namespace: 'kadmit' } } } },
    },
  });
  const crd = await getCaBundleTarget(kube, 'CustomResourceDefinition', 'widgets.kadmit.io');
  t.same(crd.slots.map((s) => [s.label, s.path]), [['conversion', '/spec/conversion/webhook/clientConfig/caBundle']]);
  const patched = await patchCaBundles(kube, crd, NEW);
  t.equal(patched.target.slots[0]?.caBundle, NEW);
  t.same(caBundleTarget('CustomResourceDefinition', { metadata: { name: 'x' }, spec: { conversion: { strategy: 'None' } } }).slots, [], 'no webhook conversion: nothing to manage');
});

t.test('watching targets notices a GitOps reset, and restoring it converges', async (t) => {
  seed('watched', ['a.kadmit.io'], NEW);
  const seen: string[] = [];
  const r = watchCaBundleTargets(kube, { kind: 'ValidatingWebhookConfiguration', name: 'watched' }, (targets) => seen.push(targets[0]?.slots[0]?.caBundle ?? 'none'), { backoff: { baseDelayMs: 5, maxDelayMs: 20 } });
  await r.waitForSync();
  t.same(seen, [NEW]);
  api.store.update(VWC, '', 'watched', (o) => {
    (o.webhooks as Array<{ clientConfig: { caBundle?: string } }>)[0]!.clientConfig.caBundle = OLD;
  }, { manager: 'argocd' });
  await until(() => seen.at(-1) === OLD, 'the reset');
  const target = caBundleTarget('ValidatingWebhookConfiguration', r.list()[0]!);
  await patchCaBundles(kube, target, NEW);
  await until(() => seen.at(-1) === NEW, 'the restore');
  api.faults.dropWatches({ mode: 'destroy' });
  api.store.update(VWC, '', 'watched', (o) => {
    (o.webhooks as Array<{ clientConfig: { caBundle?: string } }>)[0]!.clientConfig.caBundle = OLD;
  });
  await until(() => seen.at(-1) === OLD, 'a reset during a dropped watch');
  await r.stop();
});
