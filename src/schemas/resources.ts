// Which resource a kind is served as, the way the apiserver fills `resource`
// and decides whether a request has a namespace: the scope of every built-in
// kind, a few plurals English rules get wrong, then English pluralisation.
// Replay completes fixtures with it and webhooks derive their rules from it;
// test/webhooks/resources.test.ts checks it against the pinned API document.

export interface ResourceInfo {
  resource: string;
  /** undefined: not known (a custom resource); the fixture's namespace decides. */
  namespaced: boolean | undefined;
  /** CONNECT options kinds are reviewed on a subresource of another resource. */
  subResource?: string;
}

// Cluster-scoped built-in kinds (everything else built in is namespaced).
const CLUSTER_SCOPED = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'ComponentStatus',
  'ClusterRole', 'ClusterRoleBinding',
  'CustomResourceDefinition', 'APIService',
  'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration',
  'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
  'MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding',
  'StorageClass', 'CSIDriver', 'CSINode', 'VolumeAttachment',
  'PriorityClass', 'RuntimeClass', 'IngressClass',
  'CertificateSigningRequest', 'ClusterTrustBundle',
  'FlowSchema', 'PriorityLevelConfiguration',
  'TokenReview', 'SelfSubjectReview', 'SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SubjectAccessReview',
  'DeviceClass', 'ResourceSlice', 'IPAddress', 'ServiceCIDR', 'StorageVersion', 'StorageVersionMigration',
  'VolumeAttributesClass', 'DeviceTaintRule', 'ResourcePoolStatusRequest',
]);

const NAMESPACED = new Set([
  'Pod', 'Service', 'ConfigMap', 'Secret', 'ServiceAccount', 'Endpoints', 'Event', 'LimitRange',
  'PersistentVolumeClaim', 'PodTemplate', 'ReplicationController', 'ResourceQuota', 'Binding',
  'Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'ControllerRevision',
  'Job', 'CronJob', 'HorizontalPodAutoscaler', 'PodDisruptionBudget',
  'Role', 'RoleBinding', 'Ingress', 'NetworkPolicy', 'EndpointSlice', 'Lease',
  'CSIStorageCapacity', 'LocalSubjectAccessReview', 'ResourceClaim', 'ResourceClaimTemplate',
  'LeaseCandidate', 'PodCertificateRequest', 'PodGroup', 'Workload',
]);

// Plurals English rules get wrong.
const IRREGULAR: Record<string, string> = {
  Endpoints: 'endpoints',
  ComponentStatus: 'componentstatuses',
};

// CONNECT reviews carry an options kind; the resource is the one connected to.
const CONNECT_OPTIONS: Record<string, { resource: string; subResource: string }> = {
  PodExecOptions: { resource: 'pods', subResource: 'exec' },
  PodAttachOptions: { resource: 'pods', subResource: 'attach' },
  PodPortForwardOptions: { resource: 'pods', subResource: 'portforward' },
  PodProxyOptions: { resource: 'pods', subResource: 'proxy' },
  NodeProxyOptions: { resource: 'nodes', subResource: 'proxy' },
  ServiceProxyOptions: { resource: 'services', subResource: 'proxy' },
};

/** `NetworkPolicy` -> `networkpolicies`, `Ingress` -> `ingresses`, `Pod` -> `pods`. */
export function pluralize(kind: string): string {
  if (IRREGULAR[kind]) return IRREGULAR[kind];
  const lower = kind.toLowerCase();
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

export function resourceFor(kind: string): ResourceInfo {
  const connect = CONNECT_OPTIONS[kind];
  if (connect) return { resource: connect.resource, namespaced: connect.resource !== 'nodes', subResource: connect.subResource };
  const namespaced = CLUSTER_SCOPED.has(kind) ? false : NAMESPACED.has(kind) ? true : undefined;
  return { resource: pluralize(kind), namespaced };
}

/** `apps/v1` -> {group: 'apps', version: 'v1'}; `v1` -> {group: '', version: 'v1'}. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}
