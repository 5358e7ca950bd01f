// Prometheus Operator objects for kadmit (opt-in: --service-monitor, --alerts):
// a ServiceMonitor that scrapes the ops port, and a PrometheusRule with the
// alerts an operator of an admission webhook needs: certificates that stopped
// renewing, reviews answered by failurePolicy, slow reviews, and review workers
// being replaced. Every metric they use is one kadmit exports (a test checks).
import { parseGoDuration } from '../admission/deadline.ts';
import { serveSetting, type ManifestConfig } from './config.ts';
import { commonLabels, selectorLabels } from './labels.ts';
import type { K8sObject } from './objects.ts';

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: 'warning' | 'critical' };
  annotations: { summary: string; description: string };
}

/** Metadata of the monitoring objects: kadmit's labels plus the ones the Prometheus selects by. */
export function monitoringMetadata(config: ManifestConfig, name: string): Record<string, unknown> {
  return { name, namespace: config.namespace, labels: { ...commonLabels(config), ...config.monitoringLabels } };
}

export function serviceMonitor(config: ManifestConfig): K8sObject {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: monitoringMetadata(config, config.serviceName),
    spec: {
      selector: { matchLabels: selectorLabels(config) },
      namespaceSelector: { matchNames: [config.namespace] },
      endpoints: [{ port: 'metrics', path: '/metrics', scheme: 'http', interval: '30s' }],
    },
  };
}

const HOUR = 3600;

// Alert once half of the renewal window has passed without a renewal: kadmit
// renews at 2/3 of a certificate's life, so 1/6 of it is then left.
function expiryThresholdSeconds(config: ManifestConfig, key: 'caLifetime' | 'servingLifetime'): number {
  const lifetimeMs = parseGoDuration(String(serveSetting(config, key))) ?? 0;
  return Math.max(HOUR, Math.round(lifetimeMs / 1000 / 6));
}

const days = (seconds: number) => (seconds >= 2 * 86_400 ? `${Math.round(seconds / 86_400)} days` : `${Math.round(seconds / HOUR)} hours`);

export function alertRules(config: ManifestConfig): AlertRule[] {
  const serving = expiryThresholdSeconds(config, 'servingLifetime');
  const ca = expiryThresholdSeconds(config, 'caLifetime');
  return [
    {
      alert: 'KadmitCertificateNotRenewed',
      expr: [
        `min by (namespace, pod, role) (kadmit_certificate_not_after_timestamp_seconds{role="serving"}) - time() < ${serving}`,
        `or min by (namespace, pod, role) (kadmit_certificate_not_after_timestamp_seconds{role=~"ca|next-ca"}) - time() < ${ca}`,
      ].join('\n'),
      for: '30m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'A kadmit certificate is not being renewed',
        description: `The {{ $labels.role }} certificate of {{ $labels.pod }} expires in {{ $value | humanizeDuration }}; kadmit renews at 2/3 of a lifetime, so renewal has been failing (serving: under ${days(serving)} left, CA: under ${days(ca)}). See kadmit_certificate_errors_total and /debug/certs.`,
      },
    },
    {
      alert: 'KadmitCertificateExpiring',
      expr: `min by (namespace, pod, role) (kadmit_certificate_not_after_timestamp_seconds) - time() < ${6 * HOUR}`,
      for: '5m',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'A kadmit certificate expires within 6 hours',
        description: 'The {{ $labels.role }} certificate of {{ $labels.pod }} expires in {{ $value | humanizeDuration }}: once it has, the apiserver cannot call kadmit and every failurePolicy Fail webhook rejects its requests.',
      },
    },
    {
      alert: 'KadmitFailurePolicyAnswers',
      expr: [
        'sum by (namespace, webhook) (rate(kadmit_admission_failure_policy_answers_total[5m]))',
        '/ sum by (namespace, webhook) (rate(kadmit_admission_reviews_total[5m])) > 0.01',
      ].join('\n'),
      for: '10m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'kadmit answers reviews by failurePolicy instead of by its handler',
        description: 'Over 1% of the reviews of {{ $labels.webhook }} were answered by its failurePolicy (handler errors, deadlines, workers lost) for 10 minutes; kadmit_admission_failure_policy_answers_total has the cause.',
      },
    },
    {
      alert: 'KadmitReviewLatencyHigh',
      expr: 'histogram_quantile(0.99, sum by (namespace, webhook, le) (rate(kadmit_admission_review_duration_seconds_bucket[5m]))) > 1',
      for: '10m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'kadmit reviews are slow',
        description: 'The p99 latency of {{ $labels.webhook }} has been {{ $value | humanizeDuration }} for 10 minutes: every write the webhook matches waits for it. Check CPU (scale out), the handler, and the API calls it makes.',
      },
    },
    {
      alert: 'KadmitWorkersReplaced',
      expr: 'sum by (namespace, pod) (increase(kadmit_worker_replacements_total[15m])) > 2',
      for: '0m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'kadmit review workers keep being replaced',
        description: '{{ $labels.pod }} replaced {{ $value }} review workers in 15 minutes: a handler blocks its thread (a loop, a catastrophic regex) or a worker crashes; those reviews are answered by failurePolicy.',
      },
    },
  ];
}

export function prometheusRule(config: ManifestConfig): K8sObject {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: monitoringMetadata(config, config.serviceName),
    spec: { groups: [{ name: 'kadmit', rules: alertRules(config) }] },
  };
}
