// Built-in policy `builtin:pod-defaults` (mutating): where unset, sets seccomp
// RuntimeDefault, allowPrivilegeEscalation false, runAsNonRoot true and drops
// all capabilities, in Pods and the pod templates of the workload kinds. It
// never overwrites a value, is idempotent, and leaves mirror pods alone.
import { allow, defineMutatingWebhook, definePolicy, mutate, type MutationInput, type MutationVerdict, type Rule } from 'kadmit';
import { locatePodSpec, workloadRules } from './support/workloads.ts';
import { objectAt, objectsIn, sameJson } from './support/unstructured.ts';
import { applyPodDefaults, type ApplyScope } from './pod-defaults/apply.ts';
import { podDefaultsSettings, type PodDefaultsSettings } from './pod-defaults/settings.ts';

/** Set by the kubelet on the API copy of a static pod; the API refuses changes to it. */
export const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

function scopeFor({ request, oldObject }: MutationInput, spec: unknown): ApplyScope | undefined {
  if (request.operation === 'CREATE') return { podLevel: true };
  if (request.operation !== 'UPDATE') return undefined;
  if (request.kind.kind === 'Pod' && request.kind.group === '') {
    // A running pod's spec is immutable except for new ephemeral containers (`kubectl debug`).
    if (request.subResource !== 'ephemeralcontainers') return undefined;
    const existing = new Set(objectsIn(objectAt(oldObject, 'spec')?.ephemeralContainers).map(({ item }) => item.name));
    return { podLevel: false, containers: (c) => c.list === 'ephemeralContainers' && !existing.has(c.container.name) };
  }
  // A template change rolls the workload out anyway; defaulting an unchanged
  // template would start a rollout the user did not ask for.
  const before = locatePodSpec(request.kind, oldObject)?.spec;
  return sameJson(spec, before) ? undefined : { podLevel: true };
}

export function reviewPodDefaults(input: MutationInput, settings: PodDefaultsSettings): MutationVerdict {
  const { request, object } = input;
  if (object === null) return allow();
  if (request.namespace !== undefined && settings.exemptNamespaces.includes(request.namespace)) return allow();
  const located = locatePodSpec(request.kind, object);
  if (!located) return allow();
  if (located.workload.kind === 'Pod' && objectAt(object, 'metadata', 'annotations')?.[MIRROR_ANNOTATION] !== undefined) return allow();
  // The defaults are Linux security settings; the API rejects them on Windows pods.
  if (objectAt(located.spec, 'os')?.name === 'windows') return allow();
  const scope = scopeFor(input, located.spec);
  if (!scope) return allow();
  const applied = applyPodDefaults(located.spec, settings, scope);
  if (applied.size === 0) return allow();
  return mutate(object, { auditAnnotations: { defaulted: [...applied].join(',') } });
}

const rules: Rule[] = [
  { operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' },
  { operations: ['UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods/ephemeralcontainers'], scope: 'Namespaced' },
  ...workloadRules(['CREATE', 'UPDATE']).filter((r) => !r.apiGroups.includes('')),
];

export default definePolicy({
  settings: podDefaultsSettings,
  webhooks: (settings) =>
    defineMutatingWebhook({
      name: 'pod-defaults.kadmit.dev',
      path: '/mutate/pod-defaults',
      rules,
      failurePolicy: settings.failurePolicy,
      sideEffects: 'None',
      // The handler only ever sees objects that fit their kind's schema.
      schemaValidation: 'required',
      timeoutSeconds: settings.timeoutSeconds,
      // Runs again after later webhooks (sidecar injectors) add containers.
      reinvocationPolicy: 'IfNeeded',
      mutate: (input) => reviewPodDefaults(input, settings),
    }),
});
