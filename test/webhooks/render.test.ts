// Guards and kinds rendered into the webhook configurations, so the apiserver
// does not even call for what the guards skip: namespaceSelector NotIn merged
// with kadmit's own exclusions, the opt-out label ANDed to the webhook's own
// objectSelector, skipped operations left out of the rules.
import t, { type Test } from 'tap';
import { webhookConfigurations } from '../../src/manifests/webhook-configurations.ts';
import { resolveManifestConfig } from '../../src/cli/manifests-command.ts';
import { defineMutatingWebhook, defineValidatingWebhook, SYSTEM_NAMESPACES } from '../../src/webhooks/define.ts';
import { allow } from '../../src/model/verdict.ts';
import { schemas } from './support.ts';

const { config } = resolveManifestConfig([]);

function entries(t: Test, webhooks: Parameters<typeof webhookConfigurations>[0]) {
  const rendered = webhookConfigurations(webhooks, config);
  for (const object of rendered) {
    const gvk = { group: 'admissionregistration.k8s.io', version: 'v1', kind: String(object.kind) };
    t.same(schemas.check(gvk, object), { ok: true }, `${object.kind} fits its schema`);
  }
  return rendered.flatMap((o) => (o as unknown as { webhooks: Record<string, any>[] }).webhooks);
}

t.test('all three guards, with the webhook own objectSelector', async (t) => {
  const [entry] = entries(t, [defineValidatingWebhook({
    name: 'guarded.test.kadmit.dev', path: '/validate/guarded', kinds: ['v1/Pod'], operations: ['CREATE', 'UPDATE', 'DELETE'],
    objectSelector: { matchLabels: { tier: 'web' }, matchExpressions: [{ key: 'legacy', operator: 'DoesNotExist' }] },
    skip: { namespaces: [...SYSTEM_NAMESPACES, config.namespace], optOutLabel: 'example.com/skip', operations: ['DELETE'] },
    validate: () => allow(),
  })]);
  t.same(entry!.namespaceSelector, { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kadmit', 'kube-system', 'kube-public', 'kube-node-lease'] }] },
    'merged with what kadmit excludes, each once');
  t.same(entry!.objectSelector, {
    matchLabels: { tier: 'web' },
    matchExpressions: [{ key: 'legacy', operator: 'DoesNotExist' }, { key: 'example.com/skip', operator: 'DoesNotExist' }],
  });
  t.same(entry!.rules, [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }]);
});

t.test('an opt-out label alone becomes the objectSelector; no guards render as before', async (t) => {
  const [guarded, plain] = entries(t, [
    defineMutatingWebhook({ name: 'label.test.kadmit.dev', path: '/mutate/label', kinds: ['apps/v1/Deployment'], skip: { optOutLabel: 'skip' }, mutate: () => allow() }),
    defineMutatingWebhook({
      name: 'plain.test.kadmit.dev', path: '/mutate/plain', objectSelector: { matchLabels: { a: 'b' } },
      rules: [{ operations: ['*'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'] }], mutate: () => allow(),
    }),
  ]);
  t.same(guarded!.objectSelector, { matchExpressions: [{ key: 'skip', operator: 'DoesNotExist' }] });
  t.same(guarded!.rules, [{ operations: ['CREATE', 'UPDATE'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'], scope: 'Namespaced' }]);
  t.same(plain!.objectSelector, { matchLabels: { a: 'b' } });
  t.same(plain!.namespaceSelector.matchExpressions[0].values, ['kadmit', 'kube-system']);
  t.same(plain!.rules[0].operations, ['*']);
});

t.test('an opt-out label the own objectSelector already requires absent is not repeated', async (t) => {
  const [entry] = entries(t, [defineValidatingWebhook({
    name: 'same.test.kadmit.dev', path: '/validate/same', kinds: ['v1/Pod'], validate: () => allow(),
    objectSelector: { matchExpressions: [{ key: 'skip', operator: 'DoesNotExist' }] }, skip: { optOutLabel: 'skip' },
  })]);
  t.same(entry!.objectSelector, { matchExpressions: [{ key: 'skip', operator: 'DoesNotExist' }] });
});

t.test('a wildcard rule is spelled out without the skipped operation', async (t) => {
  const [entry] = entries(t, [defineValidatingWebhook({
    name: 'wild.test.kadmit.dev', path: '/validate/wild', skip: { operations: ['CONNECT'] }, validate: () => allow(),
    rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }],
  })]);
  t.same(entry!.rules[0].operations, ['CREATE', 'UPDATE', 'DELETE']);
});
