// Where the pod spec lives in each kind that makes pods. A policy on pods also
// reviews the templates, so a bad Deployment is refused when it is applied,
// not later when its ReplicaSet quietly fails to create pods.
import type { GroupVersionKind, Operation, Rule } from 'kadmit';
import { objectAt, type Obj } from './unstructured.ts';

export interface WorkloadKind {
  group: string;
  version: string;
  kind: string;
  resource: string;
  /** Keys from the object down to the PodSpec. */
  podSpecPath: readonly string[];
}

export const WORKLOAD_KINDS: readonly WorkloadKind[] = [
  { group: '', version: 'v1', kind: 'Pod', resource: 'pods', podSpecPath: ['spec'] },
  { group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments', podSpecPath: ['spec', 'template', 'spec'] },
  { group: 'apps', version: 'v1', kind: 'StatefulSet', resource: 'statefulsets', podSpecPath: ['spec', 'template', 'spec'] },
  { group: 'apps', version: 'v1', kind: 'DaemonSet', resource: 'daemonsets', podSpecPath: ['spec', 'template', 'spec'] },
  { group: 'apps', version: 'v1', kind: 'ReplicaSet', resource: 'replicasets', podSpecPath: ['spec', 'template', 'spec'] },
  { group: 'batch', version: 'v1', kind: 'Job', resource: 'jobs', podSpecPath: ['spec', 'template', 'spec'] },
  { group: 'batch', version: 'v1', kind: 'CronJob', resource: 'cronjobs', podSpecPath: ['spec', 'jobTemplate', 'spec', 'template', 'spec'] },
];

export interface LocatedPodSpec {
  workload: WorkloadKind;
  spec: Obj;
  /** Dotted path of the spec for messages: `spec.template.spec`. */
  path: string;
}

/**
 * The kind is taken from `request.kind` (what the object is after conversion),
 * ignoring the version: every served version keeps the template at the same place.
 */
export function workloadOf(kind: GroupVersionKind): WorkloadKind | undefined {
  return WORKLOAD_KINDS.find((w) => w.group === kind.group && w.kind === kind.kind);
}

/** The pod spec inside `object`, or undefined when the kind makes no pods or the spec is missing. */
export function locatePodSpec(kind: GroupVersionKind, object: unknown): LocatedPodSpec | undefined {
  const workload = workloadOf(kind);
  if (!workload) return undefined;
  const spec = objectAt(object, ...workload.podSpecPath);
  return spec ? { workload, spec, path: workload.podSpecPath.join('.') } : undefined;
}

/** Admission rules for the pod-making kinds, grouped per API group as the apiserver expects. */
export function workloadRules(operations: readonly Operation[], extraPodResources: readonly string[] = []): Rule[] {
  const groups = new Map<string, { version: string; resources: string[] }>();
  for (const w of WORKLOAD_KINDS) {
    const entry = groups.get(w.group) ?? { version: w.version, resources: [] };
    entry.resources.push(w.resource);
    if (w.kind === 'Pod') entry.resources.push(...extraPodResources);
    groups.set(w.group, entry);
  }
  return [...groups].map(([group, { version, resources }]) => ({
    operations,
    apiGroups: [group],
    apiVersions: [version],
    resources,
    scope: 'Namespaced' as const,
  }));
}
