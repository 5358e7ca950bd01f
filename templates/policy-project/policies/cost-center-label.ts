// Mutating webhook: every Deployment carries a cost-center label, so spend can
// be attributed; one that has none gets "unassigned" (and a warning saying so).
import { allow, defineMutatingWebhook, mutate, SYSTEM_NAMESPACES } from 'kadmit';

export const LABEL = 'policies.example.com/cost-center';

export default defineMutatingWebhook({
  name: 'cost-center-label.policies.example.com',
  path: '/mutate/cost-center-label',
  kinds: ['apps/v1/Deployment'],
  operations: ['CREATE'],
  skip: { namespaces: SYSTEM_NAMESPACES, optOutLabel: 'policies.example.com/skip' },
  failurePolicy: 'Ignore', // a missing label must never block a deployment
  timeoutSeconds: 5,
  mutate({ object }) {
    if (object === null || object.metadata?.labels?.[LABEL]) return allow();
    // `object` is kadmit's private copy: change it, return it, kadmit computes the patch.
    object.metadata = { ...object.metadata, labels: { ...object.metadata?.labels, [LABEL]: 'unassigned' } };
    return mutate(object, {
      warnings: [`no ${LABEL} label: set to "unassigned"`],
      auditAnnotations: { defaulted: LABEL },
    });
  },
});
