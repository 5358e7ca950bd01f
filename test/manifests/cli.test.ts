// `kadmit manifests`: YAML on stdout (as a real process), files with --out, and
// exit codes (2 for usage errors, 1 for settings the policies reject).
import t from 'tap';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { runCli } from '../helpers/process.ts';
import { runCliInProcess } from '../helpers/cli.ts';

t.test('stdout is one multi-document YAML stream', async (t) => {
  const r = await runCli(['manifests', '--namespace', 'gatekeeping']);
  t.equal(r.code, 0, r.stderr);
  const docs = parseAllDocuments(r.stdout).map((d) => d.toJS());
  t.same(docs.map((d) => d.kind), ['Namespace', 'ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding', 'Service', 'Deployment', 'PodDisruptionBudget', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']);
  t.equal(docs[0].metadata.name, 'gatekeeping');
  t.match(r.stdout, /# caBundle is left out on purpose/);
});

t.test('--out writes files and a kustomization listing them', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kadmit-out-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const r = await runCliInProcess(['manifests', '--out', join(dir, 'nested')]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, '');
  const files = readdirSync(join(dir, 'nested')).sort();
  t.same(files, ['deployment.yaml', 'kustomization.yaml', 'namespace.yaml', 'poddisruptionbudget.yaml', 'rbac.yaml', 'service.yaml', 'webhooks.yaml']);
  const kustomization = parseAllDocuments(readFileSync(join(dir, 'nested', 'kustomization.yaml'), 'utf8'))[0]!.toJS();
  t.same([...kustomization.resources].sort(), files.filter((f) => f !== 'kustomization.yaml'));
});

t.test('help and errors', async (t) => {
  const help = await runCliInProcess(['manifests', '--help']);
  t.equal(help.code, 0);
  for (const flag of ['--config', '--namespace', '--service-name', '--replicas', '--image', '--webhook', '--settings', '--out']) t.match(help.stdout, flag);
  const usage = await runCliInProcess(['manifests', '--replicas', '0']);
  t.equal(usage.code, 2);
  t.match(usage.stderr, /--replicas: expected at least 1/);
  const unknown = await runCliInProcess(['manifests', '--nope']);
  t.equal(unknown.code, 2);
  const settings = await runCliInProcess(['manifests', '--settings', '{"builtin:pod-security":{"allowedCapabilities":["NOT OK"]}}']);
  t.equal(settings.code, 1);
  t.match(settings.stderr, /settings\["builtin:pod-security"\]\.allowedCapabilities\[0\]: expected a capability name/);
  t.match(settings.stderr, /KADMIT_POLICY_SETTINGS/);
  const listed = await runCliInProcess(['help']);
  t.match(listed.stdout, /manifests\s+render the Kubernetes manifests/);
});
