// How fixtures become reviews: the wrappers, and the kind -> resource table.
import t from 'tap';
import { asReview, buildShorthandReview } from '../../src/replay/review.ts';
import { pluralize, resourceFor, splitApiVersion } from '../../src/schemas/resources.ts';

t.test('asReview: full reviews as they are; bare requests and {uid, request} wrapped in v1', async (t) => {
  const full = { apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: { uid: 'a' } };
  t.equal(asReview(full), full);
  t.same(asReview({ uid: 'b', operation: 'CREATE' }), { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'b', operation: 'CREATE' } });
  t.same(asReview({ uid: 'c', namespace: 'x', request: { uid: 'c' } }).request, { uid: 'c' });
});

t.test('plurals and scopes', async (t) => {
  const cases: [string, string][] = [
    ['Pod', 'pods'], ['Ingress', 'ingresses'], ['NetworkPolicy', 'networkpolicies'], ['Endpoints', 'endpoints'],
    ['ComponentStatus', 'componentstatuses'], ['StorageClass', 'storageclasses'], ['Gateway', 'gateways'],
    ['HTTPRoute', 'httproutes'], ['Mesh', 'meshes'], ['Proxy', 'proxies'], ['Box', 'boxes'],
  ];
  for (const [kind, plural] of cases) t.equal(pluralize(kind), plural, kind);
  t.same(resourceFor('Namespace'), { resource: 'namespaces', namespaced: false });
  t.same(resourceFor('Deployment'), { resource: 'deployments', namespaced: true });
  t.same(resourceFor('Widget'), { resource: 'widgets', namespaced: undefined });
  t.same(resourceFor('PodExecOptions'), { resource: 'pods', namespaced: true, subResource: 'exec' });
  t.same(resourceFor('NodeProxyOptions'), { resource: 'nodes', namespaced: false, subResource: 'proxy' });
  t.same(splitApiVersion('apps/v1'), { group: 'apps', version: 'v1' });
  t.same(splitApiVersion('v1'), { group: '', version: 'v1' });
});

t.test('the shorthand does not change the object it was given', async (t) => {
  const object = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } };
  const review = buildShorthandReview({ operation: 'CREATE', object });
  t.same(object, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } });
  t.same((review.request.object as { metadata: unknown }).metadata, { name: 'p', namespace: 'default' });
  const given = buildShorthandReview({ operation: 'CREATE', object, options: { kind: 'CreateOptions', fieldManager: 'kubectl' }, namespace: 'x' });
  t.same(given.request.options, { kind: 'CreateOptions', fieldManager: 'kubectl' }, 'options as given');
  t.equal(given.request.namespace, 'x');
});
