// The resources the test API server knows: exactly those kadmit touches.
export interface ResourceInfo {
  group: string; // '' for core
  version: string;
  plural: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  // apiserver bumps metadata.generation on spec changes only for some kinds.
  generation: boolean;
  // Lists of objects merged by key under server-side apply (listType=map).
  mapLists: Record<string, string>;
}

export function apiVersionOf(res: ResourceInfo): string {
  return res.group ? `${res.group}/${res.version}` : res.version;
}

const list: ResourceInfo[] = [
  { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', listKind: 'SecretList', namespaced: true, generation: false, mapLists: {} },
  { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', listKind: 'ConfigMapList', namespaced: true, generation: false, mapLists: {} },
  { group: '', version: 'v1', plural: 'events', kind: 'Event', listKind: 'EventList', namespaced: true, generation: false, mapLists: {} },
  { group: 'events.k8s.io', version: 'v1', plural: 'events', kind: 'Event', listKind: 'EventList', namespaced: true, generation: false, mapLists: {} },
  { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', listKind: 'LeaseList', namespaced: true, generation: false, mapLists: {} },
  {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    plural: 'validatingwebhookconfigurations',
    kind: 'ValidatingWebhookConfiguration',
    listKind: 'ValidatingWebhookConfigurationList',
    namespaced: false,
    generation: true,
    mapLists: { webhooks: 'name' },
  },
  {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    plural: 'mutatingwebhookconfigurations',
    kind: 'MutatingWebhookConfiguration',
    listKind: 'MutatingWebhookConfigurationList',
    namespaced: false,
    generation: true,
    mapLists: { webhooks: 'name' },
  },
  {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    plural: 'customresourcedefinitions',
    kind: 'CustomResourceDefinition',
    listKind: 'CustomResourceDefinitionList',
    namespaced: false,
    generation: true,
    mapLists: { versions: 'name' },
  },
];

// Keyed by "<group>/<plural>" ('' group for core), e.g. "/secrets".
const byKey = new Map(list.map((r) => [`${r.group}/${r.plural}`, r]));

export function findResource(group: string, version: string, plural: string): ResourceInfo | undefined {
  const r = byKey.get(`${group}/${plural}`);
  return r && r.version === version ? r : undefined;
}

// Resolve the names tests use: "secrets", "leases", "events.k8s.io/events", "Secret"...
export function resolveResource(name: string): ResourceInfo {
  const direct = byKey.get(name.includes('/') ? name : `/${name}`);
  if (direct) return direct;
  const matches = list.filter((r) => r.plural === name || r.kind === name || `${r.plural}.${r.group}` === name);
  if (matches.length === 0) throw new Error(`test apiserver: unknown resource ${name}`);
  // Prefer core (core/v1 events over events.k8s.io) when a bare name is ambiguous.
  return matches.find((r) => r.group === '') ?? matches[0]!;
}

export function allResources(): readonly ResourceInfo[] {
  return list;
}
