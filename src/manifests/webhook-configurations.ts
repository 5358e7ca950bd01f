// The Validating- and MutatingWebhookConfiguration, generated from the same
// webhook definitions `kadmit serve` serves: one source of truth for names,
// paths, rules, failure policies and timeouts.
import type { LabelSelector, Webhook } from '../model/webhook.ts';
import { rulesWithoutSkipped } from '../webhooks/guards.ts';
import type { ManifestConfig } from './config.ts';
import { metadata } from './labels.ts';
import type { K8sObject } from './objects.ts';

export const CA_BUNDLE_COMMENT = [
  'caBundle is left out on purpose: kadmit publishes its CA into every webhook',
  'here at run time (merging CAs during a rotation). Keeping it out of these',
  'manifests means re-applying them (kubectl apply, GitOps) never resets it.',
].join('\n');

/**
 * kadmit's own namespace and kube-system are never sent to kadmit: it must be able
 * to start without itself. The namespaces a webhook's guards skip are left out too.
 */
export function namespaceSelector(config: ManifestConfig, skipped: readonly string[] = []): Record<string, unknown> {
  const excluded = [...new Set([config.namespace, 'kube-system', ...skipped])];
  return { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: excluded }] };
}

/** The webhook's own objectSelector, and (ANDed) that an opt-out label is absent. */
function objectSelector(webhook: Webhook): LabelSelector | undefined {
  const own = webhook.objectSelector === undefined ? undefined : structuredClone(webhook.objectSelector);
  const optOut = webhook.skip?.optOutLabel;
  if (optOut === undefined || own?.matchExpressions?.some((e) => e.key === optOut && e.operator === 'DoesNotExist')) return own;
  return { ...own, matchExpressions: [...(own?.matchExpressions ?? []), { key: optOut, operator: 'DoesNotExist' }] };
}

function webhookEntry(webhook: Webhook, config: ManifestConfig): Record<string, unknown> {
  const selector = objectSelector(webhook);
  return {
    name: webhook.name,
    clientConfig: { service: { namespace: config.namespace, name: config.serviceName, path: webhook.path, port: 443 } },
    // Skipped operations are left out of the rules, so the apiserver does not call for them.
    rules: rulesWithoutSkipped(webhook.rules, webhook.skip).map((r) => ({
      operations: [...r.operations],
      apiGroups: [...r.apiGroups],
      apiVersions: [...r.apiVersions],
      resources: [...r.resources],
      ...(r.scope !== undefined && { scope: r.scope }),
    })),
    failurePolicy: webhook.failurePolicy,
    // Equivalent: a request made through another version of a matched resource is sent too.
    matchPolicy: 'Equivalent',
    namespaceSelector: namespaceSelector(config, webhook.skip?.namespaces),
    ...(selector !== undefined && { objectSelector: selector }),
    ...(webhook.matchConditions !== undefined && webhook.matchConditions.length > 0 && { matchConditions: webhook.matchConditions.map((c) => ({ ...c })) }),
    sideEffects: webhook.sideEffects,
    timeoutSeconds: webhook.timeoutSeconds,
    admissionReviewVersions: ['v1', 'v1beta1'],
    ...(webhook.type === 'mutating' && { reinvocationPolicy: webhook.reinvocationPolicy }),
  };
}

/** One configuration per webhook type that has webhooks, named after the service. */
export function webhookConfigurations(webhooks: readonly Webhook[], config: ManifestConfig): K8sObject[] {
  const out: K8sObject[] = [];
  for (const [type, kind] of [['mutating', 'MutatingWebhookConfiguration'], ['validating', 'ValidatingWebhookConfiguration']] as const) {
    const entries = webhooks.filter((w) => w.type === type).map((w) => webhookEntry(w, config));
    if (entries.length === 0) continue;
    out.push({ apiVersion: 'admissionregistration.k8s.io/v1', kind, metadata: metadata(config, config.serviceName, false), webhooks: entries });
  }
  return out;
}
