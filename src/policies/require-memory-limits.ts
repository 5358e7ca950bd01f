// Example validating webhook: every container of a Pod must set a memory limit,
// so one Pod cannot take a node's memory from its neighbours. It names its kind,
// so `object` is a Pod (schema-checked, typed, no casts) and its rule, CREATE and
// UPDATE of pods, is derived.
import { allow, defineValidatingWebhook, deny } from 'kadmit';

export default defineValidatingWebhook({
  name: 'require-memory-limits.kadmit.dev',
  path: '/validate/require-memory-limits',
  kinds: ['v1/Pod'],
  failurePolicy: 'Fail',
  sideEffects: 'None',
  timeoutSeconds: 5,
  validate({ object }) {
    if (object === null) return allow();
    const missing: string[] = [];
    for (const field of ['initContainers', 'containers'] as const) {
      object.spec?.[field]?.forEach((container, i) => {
        const limit = container.resources?.limits?.['memory'];
        if (limit === undefined || limit === null || limit === '') missing.push(`spec.${field}[${i}] (${container.name})`);
      });
    }
    if (missing.length === 0) return allow();
    return deny(`memory limit required: set resources.limits.memory on ${missing.join(', ')}`, { reason: 'Forbidden' });
  },
});
