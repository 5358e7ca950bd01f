// Least-privilege access for kadmit's ServiceAccount: exactly the calls the
// certificate manager makes, restricted by name wherever Kubernetes allows.
// - get/list/watch/update its CA Secret: named (list and watch are restricted
//   only when the request selects metadata.name, which kadmit's watch does);
//   create cannot be restricted by name (the name is not known to RBAC yet).
// - events: create, in its own namespace (rotation and failure events).
// - get/list/watch/patch its two webhook configurations, by name: the caBundle
//   fields are written with a JSON patch.
// No leases: replicas coordinate through the Secret's resourceVersion.
import { certSecretName } from './cert-store.ts';
import { metadata } from './labels.ts';
import type { ManifestConfig } from './config.ts';
import type { K8sObject } from './objects.ts';

export function rbacObjects(config: ManifestConfig): K8sObject[] {
  const name = config.serviceName;
  const subject = { kind: 'ServiceAccount', name, namespace: config.namespace };
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(config, name), automountServiceAccountToken: true },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: metadata(config, name),
      rules: [
        { apiGroups: [''], resources: ['secrets'], resourceNames: [certSecretName(config)], verbs: ['get', 'list', 'watch', 'update'] },
        { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
        { apiGroups: [''], resources: ['events'], verbs: ['create'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: metadata(config, name),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [subject],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: metadata(config, name, false),
      rules: [
        {
          apiGroups: ['admissionregistration.k8s.io'],
          resources: ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations'],
          resourceNames: [name],
          verbs: ['get', 'list', 'watch', 'patch'],
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: metadata(config, name, false),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [subject],
    },
  ];
}
