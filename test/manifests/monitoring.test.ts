// kadmit manifests' opt-in cluster operations: ServiceMonitor, alert rules,
// Grafana dashboard, HorizontalPodAutoscaler. Every metric the alerts and the
// dashboard read exists in kadmit's metrics registry; the default output does
// not change; built-in kinds validate against the pinned schemas.
import t from 'tap';
import { createMetrics } from '../../src/observability/metrics.ts';
import { alertRules } from '../../src/manifests/monitoring.ts';
import { PANELS } from '../../src/manifests/dashboard.ts';
import { cpuRequestMillicores } from '../../src/manifests/autoscaling.ts';
import { IDLE_CPU_MILLICORES, REVIEW_CPU_MICROSECONDS } from '../../src/manifests/sizing.ts';
import { SchemaRegistry } from '../../src/schemas/registry.ts';
import { resolveManifestConfig } from '../../src/cli/manifests-command.ts';
import { metricNames } from './promql.ts';
import { render } from './render-support.ts';

const ALL = ['--service-monitor', '--alerts', '--dashboard', '--monitoring-label', 'release=kube-prometheus-stack', '--autoscale', '2:10'];

/** Every series name kadmit exports, histograms with their _bucket, _sum and _count series. */
async function exportedNames(): Promise<Set<string>> {
  const metrics = createMetrics();
  metrics.trackPool(() => ({ size: 1, ready: 1, stalled: 0 }));
  const names = new Set<string>();
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === 'histogram' || String(m.type) === 'summary') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${m.name}${suffix}`);
  }
  return names;
}

t.test('metric names are read out of PromQL, and only them', async (t) => {
  t.same(metricNames('histogram_quantile(0.99, sum by (webhook, le) (rate(a_seconds_bucket{x="y(z)"}[$__rate_interval]))) > 1'), ['a_seconds_bucket']);
  t.same(metricNames('min by (pod, role) (b{role=~"ca|next-ca"}) - time() < 3600\nor c offset 5m > 1e3 and on (pod) group_left d'), ['b', 'c', 'd']);
  t.same(metricNames('sum without (le) (increase(e_total[15m])) / ignoring(x) f'), ['e_total', 'f']);
});

t.test('every metric the alerts and the dashboard read exists in kadmit\'s registry', async (t) => {
  const exported = await exportedNames();
  const { config } = resolveManifestConfig(ALL);
  const expressions = [...alertRules(config).map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })), ...PANELS.flatMap((p) => p.targets.map((x) => ({ where: `panel ${p.title}`, expr: x.expr })))];
  let checked = 0;
  for (const { where, expr } of expressions) {
    const names = metricNames(expr);
    t.ok(names.length > 0, `${where} reads a metric`);
    for (const name of names) {
      t.ok(exported.has(name), `${where}: ${name} is exported`);
      checked++;
    }
  }
  t.ok(checked >= 20, `${checked} metric references checked`);
  t.notOk(exported.has('kadmit_no_such_metric'), 'the check can fail');
});

t.test('alerts: certificates, failurePolicy answers, p99 latency, worker replacements', async (t) => {
  const { find } = await render(ALL);
  const rule = find('PrometheusRule');
  const alerts = rule.spec.groups[0].rules as { alert: string; expr: string; labels: { severity: string } }[];
  t.same(alerts.map((a) => a.alert), ['KadmitCertificateNotRenewed', 'KadmitCertificateExpiring', 'KadmitFailurePolicyAnswers', 'KadmitReviewLatencyHigh', 'KadmitWorkersReplaced']);
  // Half of the renewal window (kadmit renews at 2/3 of a lifetime): 720h / 6 and 8760h / 6.
  t.match(alerts[0]!.expr, /role="serving"\}\) - time\(\) < 432000\n/);
  t.match(alerts[0]!.expr, /role=~"ca\|next-ca"\}\) - time\(\) < 5256000$/);
  t.equal(rule.metadata.labels.release, 'kube-prometheus-stack', 'labelled for the Prometheus that selects rules');
  const shorter = await render([...ALL, '--config', t.testdir({ 'kadmit.yaml': 'servingLifetime: 24h\ncaLifetime: 720h\n' }) + '/kadmit.yaml']);
  const renewed = shorter.find('PrometheusRule').spec.groups[0].rules[0].expr;
  t.match(renewed, /role="serving"\}\) - time\(\) < 14400\n.* < 432000$/s, 'thresholds follow the configured lifetimes');
});

t.test('ServiceMonitor and dashboard select what the Service and the process export', async (t) => {
  const { find } = await render(ALL);
  const monitor = find('ServiceMonitor');
  const service = find('Service');
  for (const [k, v] of Object.entries(monitor.spec.selector.matchLabels)) t.equal(service.metadata.labels[k], v, `the Service carries ${k}`);
  t.ok(service.spec.ports.some((p: { name: string }) => p.name === monitor.spec.endpoints[0].port), 'the endpoint names a Service port');
  t.same(monitor.spec.namespaceSelector, { matchNames: ['kadmit'] });
  const dashboard = find('ConfigMap');
  t.equal(dashboard.metadata.labels.grafana_dashboard, '1');
  const json = JSON.parse(dashboard.data['kadmit.json']);
  t.equal(json.panels.length, PANELS.length);
  t.same(json.panels[2].targets.map((x: { refId: string }) => x.refId), ['A', 'B']);
  t.ok(json.panels.every((p: { gridPos: { w: number; x: number } }) => p.gridPos.x + p.gridPos.w <= 24), 'panels fit the grid');
});

t.test('autoscaling: the CPU request from the per-review cost, replicas left to the HPA', async (t) => {
  t.equal(REVIEW_CPU_MICROSECONDS, 250);
  t.equal(IDLE_CPU_MILLICORES, 30);
  t.equal(cpuRequestMillicores(1000), 400, '30m at rest + 1000 reviews/s x 250 us = 280m, at 70% utilisation');
  t.equal(cpuRequestMillicores(100), 79);
  for (const reviews of [10, 100, 1000, 3000]) {
    const request = cpuRequestMillicores(reviews);
    t.ok((IDLE_CPU_MILLICORES / request) * 100 < 70, `${reviews} reviews/s: a replica at rest uses ${Math.round((IDLE_CPU_MILLICORES / request) * 100)}% of its ${request}m, under the target`);
  }
  const { find } = await render([...ALL, '--reviews-per-replica', '2000']);
  const hpa = find('HorizontalPodAutoscaler');
  t.same([hpa.spec.minReplicas, hpa.spec.maxReplicas, hpa.spec.scaleTargetRef], [2, 10, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'kadmit' }]);
  t.equal(hpa.spec.metrics[0].resource.target.averageUtilization, 70);
  const deployment = find('Deployment');
  t.notOk('replicas' in deployment.spec, 'the HPA owns the replica count');
  t.equal(deployment.spec.template.spec.containers[0].resources.requests.cpu, '758m');
});

t.test('the default output has none of them and is unchanged', async (t) => {
  const { objects, find } = await render();
  t.notOk(objects.some((o) => ['ServiceMonitor', 'PrometheusRule', 'ConfigMap', 'HorizontalPodAutoscaler'].includes(o.kind)));
  t.equal(find('Deployment').spec.replicas, 2);
  t.same(find('Deployment').spec.template.spec.containers[0].resources, { requests: { cpu: '100m', memory: '320Mi' }, limits: { cpu: '2', memory: '512Mi' } });
});

t.test('built-in kinds validate against the pinned schemas', async (t) => {
  const registry = SchemaRegistry.builtin({ strictEnums: true });
  const { objects } = await render(ALL);
  for (const o of objects.filter((x) => ['HorizontalPodAutoscaler', 'ConfigMap', 'Deployment'].includes(x.kind))) {
    const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
    const result = registry.check({ group: group!, version: version!, kind: o.kind }, o);
    t.ok(result.ok, `${o.kind}: ${JSON.stringify(result)}`);
  }
});

t.test('bad flags are usage errors naming the flag', async (t) => {
  t.throws(() => resolveManifestConfig(['--autoscale', '10:2']), { code: 'KADMIT_USAGE', message: /--autoscale: expected MIN:MAX replicas with 1 <= MIN <= MAX <= 100/ });
  t.throws(() => resolveManifestConfig(['--autoscale', '2:5', '--replicas', '3']), { message: /--autoscale leaves the replica count to the autoscaler: drop --replicas/ });
  t.throws(() => resolveManifestConfig(['--reviews-per-replica', '500']), { message: /give --autoscale MIN:MAX too/ });
  t.throws(() => resolveManifestConfig(['--autoscale', '1:3', '--reviews-per-replica', '9000']), { message: /--reviews-per-replica: expected at most 3000/ });
  t.throws(() => resolveManifestConfig(['--monitoring-label', 'release']), { message: /--monitoring-label: expected KEY=VALUE/ });
  t.throws(() => resolveManifestConfig(['--monitoring-label', 'bad key=x']), { message: /--monitoring-label: \["bad key"\]: expected a label key/ });
});
