// Objects the test API server tests create (not a test file).
import type { V1ValidatingWebhookConfiguration } from '@kubernetes/client-node';

// A webhook configuration shaped like kadmit's deploy manifests.
export function webhookConfig(
  name: string,
  hooks: string[],
  opts: { kind?: 'ValidatingWebhookConfiguration' | 'MutatingWebhookConfiguration'; caBundle?: string; labels?: Record<string, string> } = {},
): V1ValidatingWebhookConfiguration {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: opts.kind ?? 'ValidatingWebhookConfiguration',
    metadata: { name, labels: opts.labels ?? { app: 'kadmit' } },
    webhooks: hooks.map((h) => ({
      name: h,
      sideEffects: 'None',
      admissionReviewVersions: ['v1'],
      clientConfig: { service: { name: 'kadmit', namespace: 'kadmit', path: `/validate/${h}` }, ...(opts.caBundle === undefined ? {} : { caBundle: opts.caBundle }) },
      rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }],
    })),
  };
}
