// Test API server set-up for the certificate tests (not a test file itself).
import { createKube } from '../../src/kube/index.ts';
import type { Kube } from '../../src/kube/index.ts';
import { startTestApiServer } from '../apiserver/server.ts';
import type { TestApiServer } from '../apiserver/server.ts';

export const WEBHOOK_CONFIG = 'kadmit';

function webhook(name: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    admissionReviewVersions: ['v1'],
    sideEffects: 'None',
    clientConfig: { service: { name: 'kadmit', namespace: 'kadmit', path: `/${name}`, port: 443 } },
    ...extra,
  };
}

export async function apiWithWebhookConfigs(): Promise<{ api: TestApiServer; kube: Kube }> {
  const api = await startTestApiServer();
  api.store.put('validatingwebhookconfigurations', {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: WEBHOOK_CONFIG, labels: { app: 'kadmit' } },
    webhooks: [webhook('validate.kadmit.io'), webhook('limits.kadmit.io')],
  });
  api.store.put('mutatingwebhookconfigurations', {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: WEBHOOK_CONFIG, labels: { app: 'kadmit' } },
    webhooks: [webhook('mutate.kadmit.io', { reinvocationPolicy: 'Never' })],
  });
  const kube = createKube(api.kubeConfig(), { requestTimeoutMs: 5_000 });
  return { api, kube };
}

export const SELECTORS = [
  { kind: 'ValidatingWebhookConfiguration' as const, labelSelector: 'app=kadmit' },
  { kind: 'MutatingWebhookConfiguration' as const, name: WEBHOOK_CONFIG },
];
