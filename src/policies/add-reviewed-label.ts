// Example mutating webhook: labels new Pods and ConfigMaps so it is visible at a
// glance that kadmit saw them. Idempotent: a second pass changes nothing.
import { allow, defineMutatingWebhook, mutate } from 'kadmit';

export const REVIEWED_LABEL = 'kadmit.dev/reviewed';

export default defineMutatingWebhook({
  name: 'add-reviewed-label.kadmit.dev',
  path: '/mutate/add-reviewed-label',
  rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods', 'configmaps'], scope: 'Namespaced' }],
  failurePolicy: 'Ignore',
  sideEffects: 'None',
  timeoutSeconds: 5,
  reinvocationPolicy: 'IfNeeded',
  mutate({ object }) {
    if (object === null) return allow();
    const metadata = (object.metadata ??= {}) as Record<string, unknown>;
    const labels = (metadata.labels ??= {}) as Record<string, unknown>;
    if (labels[REVIEWED_LABEL] === 'true') return allow();
    labels[REVIEWED_LABEL] = 'true';
    return mutate(object);
  },
});
