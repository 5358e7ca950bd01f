// What `kadmit manifests` renders, checked against the webhook definitions it
// came from and against Kubernetes' webhook and pod guidance.
import t from 'tap';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadServeConfig } from '../../src/config/load.ts';
import { SERVE_OPTIONS } from '../../src/config/options.ts';
import { checkPodSpec } from '../../src/policies/pod-security/checks.ts';
import { podSecuritySettings } from '../../src/policies/pod-security/settings.ts';
import { resolveManifestConfig } from '../../src/cli/manifests-command.ts';
import { containerEnv, render } from './render-support.ts';

const defaults = await render();

t.test('every object kadmit needs, in apply order, namespaced ones in its namespace', async (t) => {
  t.same(defaults.objects.map((o) => o.kind), [
    'Namespace', 'ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding',
    'Service', 'Deployment', 'PodDisruptionBudget', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration',
  ]);
  const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']);
  for (const o of defaults.objects) {
    t.equal(o.metadata.namespace, clusterScoped.has(o.kind) ? undefined : 'kadmit', `${o.kind} namespace`);
    t.equal((o.metadata.labels as Record<string, string>)['app.kubernetes.io/name'], 'kadmit', `${o.kind} labelled`);
  }
});

t.test('webhook configurations come from the served definitions', async (t) => {
  const service = defaults.find('Service');
  const https = service.spec.ports.find((p: any) => p.name === 'https');
  t.equal(https.port, 443);
  for (const kind of ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']) {
    const type = kind.startsWith('Validating') ? 'validating' : 'mutating';
    const configuration = defaults.find(kind);
    const defs = defaults.webhooks.filter((w) => w.type === type);
    t.equal(configuration.webhooks.length, defs.length, `${kind}: one entry per webhook`);
    t.ok(defs.length > 0);
    for (const [i, w] of defs.entries()) {
      const entry = configuration.webhooks[i];
      t.equal(entry.name, w.name);
      t.same(entry.clientConfig, { service: { namespace: 'kadmit', name: service.metadata.name, path: w.path, port: 443 } }, `${w.name}: service reference`);
      t.notOk('caBundle' in entry.clientConfig, 'caBundle left for kadmit to fill');
      t.same(entry.rules, w.rules.map((r) => ({ ...r })), `${w.name}: rules`);
      t.equal(entry.failurePolicy, w.failurePolicy);
      t.equal(entry.sideEffects, w.sideEffects);
      t.equal(entry.timeoutSeconds, w.timeoutSeconds);
      t.equal(entry.matchPolicy, 'Equivalent');
      t.same(entry.admissionReviewVersions, ['v1', 'v1beta1']);
      t.same(entry.namespaceSelector, { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kadmit', 'kube-system'] }] });
      t.equal(entry.reinvocationPolicy, w.type === 'mutating' ? w.reinvocationPolicy : undefined);
    }
  }
});

t.test('least-privilege RBAC: the Secret and the webhook configurations by name, events, nothing else', async (t) => {
  const role = defaults.find('Role');
  const clusterRole = defaults.find('ClusterRole');
  t.same(role.rules, [
    { apiGroups: [''], resources: ['secrets'], resourceNames: ['kadmit-ca'], verbs: ['get', 'list', 'watch', 'update'] },
    { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
    { apiGroups: [''], resources: ['events'], verbs: ['create'] },
  ]);
  const configNames = defaults.objects.filter((o) => o.kind.endsWith('WebhookConfiguration')).map((o) => o.metadata.name);
  t.same(clusterRole.rules, [{
    apiGroups: ['admissionregistration.k8s.io'],
    resources: ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations'],
    resourceNames: [...new Set(configNames)],
    verbs: ['get', 'list', 'watch', 'patch'],
  }]);
  const rules = [...role.rules, ...clusterRole.rules];
  for (const rule of rules) {
    t.notOk([...rule.verbs, ...rule.resources, ...rule.apiGroups].includes('*'), 'no wildcards');
    if (!rule.resourceNames) t.same(rule.verbs, ['create'], 'only create goes unrestricted by name');
  }
  const sa = defaults.find('ServiceAccount');
  for (const binding of [defaults.find('RoleBinding'), defaults.find('ClusterRoleBinding')]) {
    t.same(binding.subjects, [{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: 'kadmit' }]);
  }
  t.equal(defaults.find('RoleBinding').roleRef.name, role.metadata.name);
  t.equal(defaults.find('ClusterRoleBinding').roleRef.name, clusterRole.metadata.name);
});

t.test('the Deployment follows the guidance', async (t) => {
  const d = defaults.find('Deployment');
  const pod = d.spec.template.spec;
  const c = pod.containers[0];
  t.ok(d.spec.replicas >= 2, '2+ replicas');
  t.same(d.spec.strategy.rollingUpdate, { maxUnavailable: 0, maxSurge: 1 });
  t.equal(pod.topologySpreadConstraints[0].topologyKey, 'kubernetes.io/hostname', 'spread across nodes');
  t.same(pod.topologySpreadConstraints[0].labelSelector.matchLabels, d.spec.selector.matchLabels);
  t.same(d.spec.template.metadata.labels, d.spec.selector.matchLabels);
  t.equal(pod.serviceAccountName, defaults.find('ServiceAccount').metadata.name);
  t.same(pod.securityContext, { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
  t.same(c.securityContext, { allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  t.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.cpu && c.resources.limits.memory, 'requests and limits');
  t.same(c.ports.map((p: any) => [p.name, p.containerPort]), [['webhook', 8443], ['ops', 8080]]);
  for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) t.equal(c[probe].httpGet.port, 'ops', `${probe} on the ops port`);
  t.equal(c.readinessProbe.httpGet.path, '/readyz');
  t.equal(c.livenessProbe.httpGet.path, '/healthz');
  const service = defaults.find('Service');
  for (const p of service.spec.ports) t.ok(c.ports.some((cp: any) => cp.name === p.targetPort), `Service port ${p.name} targets a container port`);
  t.same(service.spec.selector, d.spec.selector.matchLabels);
  t.same(defaults.find('PodDisruptionBudget').spec.selector.matchLabels, d.spec.selector.matchLabels);
  // The kubelet's grace must cover kadmit's drain plus its own shutdown grace.
  const drain = SERVE_OPTIONS.find((o) => o.key === 'drainDelayMs')!.default as number;
  const grace = SERVE_OPTIONS.find((o) => o.key === 'shutdownGraceMs')!.default as number;
  t.ok(pod.terminationGracePeriodSeconds * 1000 > Math.max(drain, grace), `${pod.terminationGracePeriodSeconds}s`);
  t.equal(pod.terminationGracePeriodSeconds, 30);
  const certMount = c.volumeMounts.find((m: any) => m.name === 'run');
  t.ok(pod.volumes.some((v: any) => v.name === 'run' && v.emptyDir), 'a writable emptyDir, the only writable path');
  t.ok(containerEnv(d, 'kadmit').KADMIT_CERT_DIR!.startsWith(`${certMount.mountPath}/`), 'the cert dir is on it');
});

t.test("kadmit's own pods pass its pod-security policy", async (t) => {
  const d = defaults.find('Deployment');
  t.same(checkPodSpec(d.spec.template.spec, 'spec.template.spec', podSecuritySettings.parse({})), []);
});

t.test('the container environment makes `kadmit serve` serve what was rendered', async (t) => {
  const d = defaults.find('Deployment');
  const env = containerEnv(d, 'kadmit');
  const known = new Set<string>(SERVE_OPTIONS.map((o) => o.env));
  for (const name of Object.keys(env)) t.ok(known.has(name), `${name} is a serve setting`);
  const serve = loadServeConfig([], env);
  t.same(serve.webhooks, ['builtin:pod-security', 'builtin:pod-defaults']);
  t.equal(serve.namespace, 'kadmit');
  t.equal(serve.serviceName, 'kadmit');
  t.equal(serve.workers, 2);
});

t.test('a serve config file shapes the manifests and is passed on', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kadmit-manifests-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'kadmit.yaml');
  writeFileSync(file, [
    'namespace: admission',
    'webhooks: [builtin:pod-security, builtin:guestbook]',
    'settings:',
    '  builtin:pod-security: { exemptNamespaces: [ci], allowedRegistries: [ghcr.io/acme] }',
    '  builtin:guestbook: { maxReplicas: 3 }',
    'drainDelayMs: 5000',
    'shutdownGraceMs: 40000',
    'webhookAddress: 0.0.0.0:9443',
    'logLevel: debug',
    'certDir: /ignored',
  ].join('\n'));
  const r = await render(['--config', file, '--replicas', '3', '--image', 'registry.example.com/kadmit:1.2.3', '--service-name', 'gate']);
  const d = r.find('Deployment');
  t.equal(d.metadata.namespace, 'admission');
  t.equal(d.spec.replicas, 3);
  t.equal(d.spec.template.spec.containers[0].image, 'registry.example.com/kadmit:1.2.3');
  t.equal(d.spec.template.spec.terminationGracePeriodSeconds, 45);
  t.equal(d.spec.template.spec.containers[0].ports[0].containerPort, 9443);
  t.equal(r.find('ValidatingWebhookConfiguration').webhooks[0].clientConfig.service.name, 'gate');
  t.notOk(r.objects.some((o) => o.kind === 'MutatingWebhookConfiguration'), 'no mutating webhooks, no configuration');
  t.same(r.find('ValidatingWebhookConfiguration').webhooks[0].namespaceSelector.matchExpressions[0].values, ['admission', 'kube-system']);
  t.same(r.find('Role').rules[0].resourceNames, ['gate-ca']);
  const serve = loadServeConfig([], containerEnv(d, 'admission'));
  t.same(serve.settings, { 'builtin:pod-security': { exemptNamespaces: ['ci'], allowedRegistries: ['ghcr.io/acme'] }, 'builtin:guestbook': { maxReplicas: 3 } });
  t.equal(serve.logLevel, 'debug');
  t.equal(serve.drainDelayMs, 5000);
  t.equal(serve.webhookAddress, '0.0.0.0:9443');
  t.not(serve.certDir, '/ignored', 'the manifests own the cert dir');
});

t.test('bad configuration is a usage error naming its source', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kadmit-manifests-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'kadmit.yaml');
  writeFileSync(file, 'namespace: Bad_Name\nlogLevl: debug\n');
  t.throws(() => resolveManifestConfig(['--config', file]), { code: 'KADMIT_USAGE', message: /kadmit\.yaml:\n(?=[\s\S]*unknown setting\(s\) logLevl)(?=[\s\S]*namespace: expected a DNS label)/ });
  t.throws(() => resolveManifestConfig(['--replicas', 'two']), { code: 'KADMIT_USAGE', message: /--replicas: / });
  t.throws(() => resolveManifestConfig(['--image', 'Not An Image']), { code: 'KADMIT_USAGE', message: /--image: expected an image reference/ });
  t.throws(() => resolveManifestConfig(['--settings', '{']), { code: 'KADMIT_USAGE', message: /--settings: expected a JSON object/ });
  t.throws(() => resolveManifestConfig(['extra']), { code: 'KADMIT_USAGE' });
  await t.rejects(render(['--settings', '{"builtin:pod-defaults":{"setRunAsNonRoot":"no"}}']), { code: 'KADMIT_POLICY_SETTINGS', message: /settings\["builtin:pod-defaults"\]\.setRunAsNonRoot/ });
});
