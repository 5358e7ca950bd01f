// Example validating webhook: every container of a Pod must set a memory limit,
// so one Pod cannot take a node's memory from its neighbours.
import { defineValidatingWebhook } from '../webhooks/define.ts';
import { allow, deny } from '../webhooks/verdict.ts';

interface ContainerLike {
  name?: unknown;
  resources?: { limits?: Record<string, unknown> | null } | null;
}

function containersOf(pod: Record<string, unknown>): { field: string; list: ContainerLike[] }[] {
  const spec = (pod.spec ?? {}) as Record<string, unknown>;
  return ['initContainers', 'containers']
    .map((field) => ({ field, list: Array.isArray(spec[field]) ? (spec[field] as ContainerLike[]) : [] }));
}

export default defineValidatingWebhook({
  name: 'require-memory-limits.kadmit.dev',
  path: '/validate/require-memory-limits',
  rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }],
  failurePolicy: 'Fail',
  sideEffects: 'None',
  timeoutSeconds: 5,
  validate({ object }) {
    if (object === null) return allow();
    const missing: string[] = [];
    for (const { field, list } of containersOf(object)) {
      list.forEach((c, i) => {
        const limit = c?.resources?.limits?.memory;
        if (limit === undefined || limit === null || limit === '') missing.push(`spec.${field}[${i}] (${String(c?.name ?? '?')})`);
      });
    }
    if (missing.length === 0) return allow();
    return deny(`memory limit required: set resources.limits.memory on ${missing.join(', ')}`, { reason: 'Forbidden' });
  },
});
