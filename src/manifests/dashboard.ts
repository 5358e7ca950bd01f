// A Grafana dashboard for kadmit (opt-in: --dashboard), in a ConfigMap with the
// `grafana_dashboard: "1"` label Grafana's dashboard sidecar loads by (as the
// kube-prometheus-stack chart runs it). It reads only metrics kadmit exports
// (a test checks): reviews by decision and webhook, latency, failurePolicy
// answers, aborts, requests answered other than 2xx (an unknown path, a wrong
// media type), in-flight reviews, the worker pool, certificates, TLS handshake
// failures, and the process's CPU, memory and event-loop lag.
import type { ManifestConfig } from './config.ts';
import { monitoringMetadata } from './monitoring.ts';
import type { K8sObject } from './objects.ts';

export interface Panel {
  title: string;
  unit: string;
  /** PromQL, with the legend each series is drawn with. */
  targets: { expr: string; legend: string }[];
}

const RATE = '$__rate_interval';

export const PANELS: readonly Panel[] = [
  { title: 'Reviews by decision', unit: 'reqps', targets: [{ expr: `sum by (decision) (rate(kadmit_admission_reviews_total[${RATE}]))`, legend: '{{decision}}' }] },
  { title: 'Reviews by webhook', unit: 'reqps', targets: [{ expr: `sum by (webhook) (rate(kadmit_admission_reviews_total[${RATE}]))`, legend: '{{webhook}}' }] },
  {
    title: 'Review latency',
    unit: 's',
    targets: [
      { expr: `histogram_quantile(0.5, sum by (webhook, le) (rate(kadmit_admission_review_duration_seconds_bucket[${RATE}])))`, legend: 'p50 {{webhook}}' },
      { expr: `histogram_quantile(0.99, sum by (webhook, le) (rate(kadmit_admission_review_duration_seconds_bucket[${RATE}])))`, legend: 'p99 {{webhook}}' },
    ],
  },
  { title: 'Answered by failurePolicy', unit: 'reqps', targets: [{ expr: `sum by (webhook, cause) (rate(kadmit_admission_failure_policy_answers_total[${RATE}]))`, legend: '{{webhook}} {{cause}}' }] },
  { title: 'Aborted reviews', unit: 'reqps', targets: [{ expr: `sum by (webhook, kind) (rate(kadmit_admission_aborts_total[${RATE}]))`, legend: '{{webhook}} {{kind}}' }] },
  {
    title: 'Requests not answered 2xx (by the listener or a review)',
    unit: 'reqps',
    targets: [{ expr: `sum by (route, method, code) (rate(kadmit_webhook_requests_total{code!~"2.."}[${RATE}]))`, legend: '{{code}} {{method}} {{route}}' }],
  },
  { title: 'Reviews in flight', unit: 'short', targets: [{ expr: 'sum by (webhook) (kadmit_admission_in_flight)', legend: '{{webhook}}' }] },
  {
    title: 'Review workers',
    unit: 'short',
    targets: [
      { expr: 'sum by (state) (kadmit_worker_pool_workers)', legend: '{{state}}' },
      { expr: `sum by (reason) (increase(kadmit_worker_replacements_total[${RATE}]))`, legend: 'replaced ({{reason}})' },
    ],
  },
  { title: 'Certificate time left', unit: 's', targets: [{ expr: 'min by (pod, role) (kadmit_certificate_not_after_timestamp_seconds) - time()', legend: '{{pod}} {{role}}' }] },
  {
    title: 'Certificate events',
    unit: 'short',
    targets: [
      { expr: `sum by (role) (increase(kadmit_certificate_rotations_total[${RATE}]))`, legend: 'rotated {{role}}' },
      { expr: `sum by (operation) (increase(kadmit_certificate_errors_total[${RATE}]))`, legend: 'error {{operation}}' },
      { expr: `sum(increase(kadmit_tls_handshake_failures_total[${RATE}]))`, legend: 'TLS handshake failures' },
    ],
  },
  { title: 'CPU per pod', unit: 'percentunit', targets: [{ expr: `sum by (pod) (rate(process_cpu_seconds_total{job=~"$job"}[${RATE}]))`, legend: '{{pod}}' }] },
  { title: 'Memory per pod', unit: 'bytes', targets: [{ expr: 'sum by (pod) (process_resident_memory_bytes{job=~"$job"})', legend: '{{pod}}' }] },
  { title: 'Event-loop lag p99 (main thread)', unit: 's', targets: [{ expr: 'max by (pod) (nodejs_eventloop_lag_p99_seconds{job=~"$job"})', legend: '{{pod}}' }] },
];

const GRID_WIDTH = 24;
const PANEL_WIDTH = 12;
const PANEL_HEIGHT = 8;

function dashboardJson(config: ManifestConfig): Record<string, unknown> {
  const datasource = { type: 'prometheus', uid: '${datasource}' };
  return {
    uid: `kadmit-${config.serviceName}`,
    title: `kadmit (${config.namespace}/${config.serviceName})`,
    tags: ['kadmit', 'admission'],
    timezone: 'browser',
    schemaVersion: 39,
    refresh: '30s',
    time: { from: 'now-3h', to: 'now' },
    templating: {
      list: [
        { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus' },
        // Process metrics carry no kadmit prefix: the scrape job tells kadmit's apart.
        { name: 'job', label: 'Job', type: 'custom', query: config.serviceName, current: { text: config.serviceName, value: config.serviceName } },
      ],
    },
    panels: PANELS.map((panel, i) => ({
      id: i + 1,
      type: 'timeseries',
      title: panel.title,
      datasource,
      gridPos: { x: (i * PANEL_WIDTH) % GRID_WIDTH, y: Math.floor((i * PANEL_WIDTH) / GRID_WIDTH) * PANEL_HEIGHT, w: PANEL_WIDTH, h: PANEL_HEIGHT },
      fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
      targets: panel.targets.map((t, j) => ({ refId: String.fromCharCode(65 + j), datasource, expr: t.expr, legendFormat: t.legend })),
    })),
  };
}

export function dashboardConfigMap(config: ManifestConfig): K8sObject {
  const base = monitoringMetadata(config, `${config.serviceName}-dashboard`);
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { ...base, labels: { ...(base.labels as Record<string, string>), grafana_dashboard: '1' } },
    data: { 'kadmit.json': `${JSON.stringify(dashboardJson(config), null, 2)}\n` },
  };
}
