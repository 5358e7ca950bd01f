// Webhooks that name their kinds: rules derived from the kinds, the definition
// errors, and the run-time check that only those kinds reach the handler.
import t from 'tap';
import { defineMutatingWebhook, defineValidatingWebhook } from '../../src/webhooks/define.ts';
import { handlesKind, parseKindKey } from '../../src/webhooks/kinds.ts';
import { allow, mutate } from '../../src/model/verdict.ts';
import { deployment, pod, review } from './support.ts';

const base = { name: 'kinds.test.kadmit.dev', path: '/validate/kinds' };

t.test('kind keys: core group without a group, others group/version/Kind', async (t) => {
  t.same(parseKindKey('v1/Pod'), { group: '', version: 'v1', kind: 'Pod' });
  t.same(parseKindKey('apps/v1/Deployment'), { group: 'apps', version: 'v1', kind: 'Deployment' });
  t.same(parseKindKey('webapp.example.com/v1beta1/Guestbook'), { group: 'webapp.example.com', version: 'v1beta1', kind: 'Guestbook' });
  for (const bad of ['Pod', 'v1/Pod/x', 'apps//Deployment', '/v1/Pod', 'a/b/c/D', 'Apps/v1/Deployment', 'v1/Pod ', 'v1/-Pod', '']) t.equal(parseKindKey(bad), undefined, JSON.stringify(bad));
});

t.test('rules are derived: group, version, plural, scope, CREATE and UPDATE by default', async (t) => {
  const w = defineValidatingWebhook({ ...base, kinds: ['v1/Pod'], validate: () => allow() });
  t.same(w.rules, [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }]);
  t.same(w.kinds, ['v1/Pod']);
  t.equal(w.schemaValidation, 'required', 'a kinds webhook only sees checked objects');

  const two = defineValidatingWebhook({
    ...base, kinds: ['networking.k8s.io/v1/NetworkPolicy', 'rbac.authorization.k8s.io/v1/ClusterRole'], operations: ['CREATE', 'DELETE'], validate: () => allow(),
  });
  t.same(two.rules, [
    { operations: ['CREATE', 'DELETE'], apiGroups: ['networking.k8s.io'], apiVersions: ['v1'], resources: ['networkpolicies'], scope: 'Namespaced' },
    { operations: ['CREATE', 'DELETE'], apiGroups: ['rbac.authorization.k8s.io'], apiVersions: ['v1'], resources: ['clusterroles'], scope: 'Cluster' },
  ]);
});

t.test('rules written next to kinds are used as written', async (t) => {
  const rules = [{ operations: ['*' as const], apiGroups: ['apps'], apiVersions: ['*'], resources: ['deployments', 'deployments/scale'] }];
  const w = defineValidatingWebhook({ ...base, kinds: ['apps/v1/Deployment'], rules, validate: () => allow() });
  t.same(w.rules, rules);
});

t.test('without kinds nothing changes: rules as written, any kind, when-available', async (t) => {
  const w = defineValidatingWebhook({ ...base, rules: [{ operations: ['CREATE'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }], validate: () => allow() });
  t.equal(w.kinds, undefined);
  t.equal(w.schemaValidation, 'when-available');
  t.ok(handlesKind(w, { group: 'example.com', version: 'v1', kind: 'Anything' }));
});

t.test('definition errors name the webhook and the field', async (t) => {
  const define = (extra: Record<string, unknown>) => () => defineValidatingWebhook({ ...base, validate: () => allow(), ...extra } as never);
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ kinds: [] }, /"kinds\.test\.kadmit\.dev": kinds must list 1 to 64 kinds/],
    [{ kinds: ['v1/Pod', 'v1/Pod'] }, /kinds\[1\] repeats "v1\/Pod"/],
    [{ kinds: ['Pod'] }, /kinds\[0\] must be a kind key like "v1\/Pod"/],
    [{ kinds: ['webapp.example.com/v1/Guestbook'] }, /rules must be given for "webapp\.example\.com\/v1\/Guestbook": it is not a built-in kind/],
    [{ kinds: ['v1/Podd'] }, /rules must be given for "v1\/Podd": it is not a built-in kind/],
    [{ kinds: ['v1/PodList'] }, /rules must be given for "v1\/PodList": it is not served as a resource of its own/],
    [{ kinds: ['v1/Pod'], schemaValidation: 'off' }, /schemaValidation must be "required" for a webhook with kinds \(got "off"\)/],
    [{ kinds: ['v1/Pod'], schemaValidation: 'when-available' }, /schemaValidation must be "required"/],
    [{ kinds: ['v1/Pod'], operations: [] }, /operations must list at least one operation/],
    [{ kinds: ['v1/Pod'], operations: ['PATCH'] }, /operations has unknown operation "PATCH"/],
    [{ kinds: ['v1/Pod'], operations: ['CREATE'], rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }] }, /operations applies to derived rules only/],
    [{ operations: ['CREATE'], rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }] }, /operations applies to derived rules only: name kinds/],
    [{}, /rules must be given \(or name the kinds/],
  ];
  for (const [extra, message] of cases) t.throws(define(extra), { code: 'KADMIT_WEBHOOK_INVALID', message }, JSON.stringify(extra));
  // Untyped: this program has not registered the kind in CustomKinds.
  const untyped = defineValidatingWebhook as (spec: unknown) => ReturnType<typeof defineValidatingWebhook>;
  const custom = untyped({
    ...base, kinds: ['webapp.example.com/v1/Guestbook'], validate: () => allow(),
    rules: [{ operations: ['CREATE'], apiGroups: ['webapp.example.com'], apiVersions: ['v1'], resources: ['guestbooks'] }],
  });
  t.same(custom.kinds, ['webapp.example.com/v1/Guestbook'], 'a custom kind with its rules written is fine');
});

t.test('a review of another kind is answered by failurePolicy, never given to the handler', async (t) => {
  let calls = 0;
  const strict = defineValidatingWebhook({ ...base, kinds: ['v1/Pod'], rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }], validate: () => (calls++, allow()) });
  const ok = await review(strict, { operation: 'CREATE', object: pod() });
  t.equal(ok.response.allowed, true);
  t.equal(calls, 1, 'a Pod reaches the handler');

  const other = await review(strict, { operation: 'CREATE', object: deployment() });
  t.equal(calls, 1, 'a Deployment does not');
  t.equal(other.response.allowed, false);
  t.equal(other.response.status?.code, 500);
  t.equal(other.response.status?.message, 'webhook "kinds.test.kadmit.dev" does not handle apps/v1/Deployment (it handles v1/Pod): its rules send more than its kinds [KADMIT_KIND_NOT_HANDLED]');
  t.match(other.outcome.summary, { decision: 'error', failure: 'kind-not-handled', kind: 'apps/v1/Deployment' });

  const lenient = defineMutatingWebhook({ ...base, failurePolicy: 'Ignore', kinds: ['v1/Pod'], rules: strict.rules, mutate: ({ object }) => (calls++, object ? mutate(object) : allow()) });
  const open = await review(lenient, { operation: 'CREATE', object: deployment() });
  t.equal(open.response.allowed, true, 'Ignore fails open');
  t.match(open.response.warnings, [/does not handle apps\/v1\/Deployment/]);
  t.equal(open.response.patch, undefined);
  t.equal(calls, 1);
});

t.test('the kind is checked before the schema: a wrong kind is a failurePolicy answer, not a 422', async (t) => {
  const w = defineValidatingWebhook({ ...base, kinds: ['v1/Pod'], rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }], validate: () => allow() });
  const bad = deployment();
  (bad.spec as Record<string, unknown>).replicas = 'three';
  const r = await review(w, { operation: 'CREATE', object: bad });
  t.equal(r.response.status?.code, 500);
  t.match(r.response.status?.message, 'KADMIT_KIND_NOT_HANDLED');
});
