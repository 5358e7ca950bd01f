// `kadmit certs inspect`: file mode on a real cert directory (text as a
// process, and in-process through a CA rollover), secret mode against the test API
// server with caBundle fields kadmit filled, then one reset by another writer.
import { join } from 'node:path';
import t from 'tap';
import { inspect, type InspectReport } from '../../src/cli/certs-command.ts';
import { serveConfigSchema, type ServeConfig } from '../../src/config/options.ts';
import { createFileCertRotator, loadOrCreateFileCertificates } from '../../src/certs/file-store.ts';
import { issueCa } from '../../src/certs/issue.ts';
import { createKubeBundleTargets } from '../../src/certs/kube-bundle-targets.ts';
import { createSecretDocumentStore } from '../../src/certs/kube-secret-store.ts';
import { createCertRotator } from '../../src/certs/rotator.ts';
import { closeKubeConnections } from '../../src/kube/index.ts';
import { runCli } from '../helpers/process.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { FakeClock, RecordingSink } from './fakes.ts';
import { SELECTORS, WEBHOOK_CONFIG, apiWithWebhookConfigs } from './kube-support.ts';
import { NS, SVC, silentLogger } from './support.ts';

const MIN = 60_000;
const lifetimes = { caMs: 60 * MIN, servingMs: 9 * MIN, backdateMs: MIN };
const roles = (r: InspectReport) => r.entries.map((e) => e.role);

t.test('file mode: text as a process, and --json', async (t) => {
  const dir = join(t.testdir({}), 'certs');
  const made = await loadOrCreateFileCertificates({ dir, serviceName: SVC, namespace: NS, log: silentLogger() });

  const text = await runCli(['certs', 'inspect', '--cert-dir', dir]);
  t.equal(text.code, 0, text.stderr);
  t.match(text.stdout, `Store: directory ${dir}`);
  t.match(text.stdout, /^ca: O=kadmit, CN=kadmit-ca-\d+$/m);
  t.match(text.stdout, /^serving: CN=kadmit\.kadmit\.svc$/m);
  t.match(text.stdout, /SANs +DNS:kadmit\.kadmit\.svc, .*IP Address:127\.0\.0\.1/);
  t.match(text.stdout, /expires in 36[45]d/); // NotAfter is rounded up to the second
  t.match(text.stdout, `published in ${dir}/ca.crt`);
  t.notMatch(text.stdout, /Problems:/);

  const json = await runCliInProcess(['certs', 'inspect', '--cert-dir', dir, '--json']);
  t.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout) as InspectReport;
  t.same(report.store, { kind: 'file', dir });
  t.same(roles(report), ['ca', 'serving']);
  t.equal(report.entries[0]!.fingerprint256, made.ca.fingerprint256);
  t.equal(report.entries[1]!.fingerprint256, made.serving.fingerprint256);
  t.equal(report.entries[1]!.issuer, report.entries[0]!.subject);
  t.same(report.fields, [{ id: `${dir}/ca.crt`, certificates: [{ fingerprint256: made.ca.fingerprint256, subject: report.entries[0]!.subject, role: 'ca' }] }]);
  t.same(report.problems, []);

  const env = await runCliInProcess(['certs', 'inspect', '--json'], { env: { KADMIT_CERT_DIR: dir } });
  t.same(JSON.parse(env.stdout).entries, report.entries, 'settings come from the environment like for serve');
});

t.test('file mode through a CA rollover: next-ca, then retired-ca', async (t) => {
  const dir = t.testdir({});
  const clock = new FakeClock(Date.now());
  const rotator = createFileCertRotator({ dir, serviceName: SVC, namespace: NS, lifetimes, graceMs: 2 * MIN, sink: new RecordingSink(), log: silentLogger(), clock: clock.now });
  t.teardown(() => rotator.stop());
  const config = serveConfigSchema.parse({ certDir: dir }) as ServeConfig;
  await rotator.runOnce();
  t.same(roles(await inspect(config, clock.now())), ['ca', 'serving']);

  clock.advance(41 * MIN);
  await rotator.runOnce();
  const rolling = await inspect(config, clock.now());
  t.same(roles(rolling), ['ca', 'next-ca', 'serving']);
  const next = rolling.entries[1]!;
  t.ok(next.publishedAt, 'the next CA carries its publication time');
  t.same(next.publishedIn, [`${dir}/ca.crt`], 'the trust file holds the next CA before it signs');
  t.equal(rolling.entries[2]!.issuer, rolling.entries[0]!.subject, 'leaves still come from the current CA');

  clock.advance(3 * MIN);
  await rotator.runOnce();
  const after = await inspect(config, clock.now());
  t.same(roles(after), ['ca', 'retired-ca', 'serving']);
  t.equal(after.entries[0]!.fingerprint256, next.fingerprint256, 'the next CA was promoted');
  t.ok(after.entries[1]!.dropAfter, 'the retired CA says when it leaves the trust file');
  t.equal(after.entries[2]!.issuer, after.entries[0]!.subject);
  t.same(after.problems, []);
});

t.test('secret mode against the test API server', async (t) => {
  const { api, kube } = await apiWithWebhookConfigs();
  t.teardown(async () => {
    await closeKubeConnections(kube.kc);
    await api.close();
  });
  const kubeconfig = join(t.testdir({}), 'kubeconfig');
  await api.writeKubeConfig(kubeconfig);
  const args = ['certs', 'inspect', '--cert-store', 'secret', '--kubeconfig', kubeconfig, '--json'];

  const missing = await runCliInProcess(args);
  t.equal(missing.code, 1);
  t.match(missing.stderr, /Secret kadmit\/kadmit-ca does not exist .*\[KADMIT_CERT_STORE\]/);

  const rotator = createCertRotator({
    store: createSecretDocumentStore({ kube, namespace: NS, name: 'kadmit-ca' }),
    targets: createKubeBundleTargets({ kube, selectors: SELECTORS }),
    sink: new RecordingSink(),
    serviceName: SVC,
    namespace: NS,
    lifetimes,
    log: silentLogger(),
  });
  t.teardown(() => rotator.stop());
  await rotator.runOnce();
  // Stopped once it has published, so that no later cycle repairs the field another writer resets below.
  await rotator.stop();
  const ca = rotator.status().ca!;

  const res = await runCliInProcess(args);
  t.equal(res.code, 0, res.stderr);
  const report = JSON.parse(res.stdout) as InspectReport;
  t.same(report.store, { kind: 'secret', namespace: NS, name: 'kadmit-ca' });
  t.same(roles(report), ['ca'], 'serving certificates stay in each replica');
  t.equal(report.entries[0]!.fingerprint256, ca.fingerprint);
  const ids = [
    `ValidatingWebhookConfiguration/${WEBHOOK_CONFIG}/webhooks/0/clientConfig/caBundle`,
    `ValidatingWebhookConfiguration/${WEBHOOK_CONFIG}/webhooks/1/clientConfig/caBundle`,
    `MutatingWebhookConfiguration/${WEBHOOK_CONFIG}/webhooks/0/clientConfig/caBundle`,
  ];
  t.same(report.entries[0]!.publishedIn, ids, 'published in every caBundle field (default targets: both configurations named like the service)');
  t.same(report.fields.map((f) => [f.id, f.certificates.map((c) => c.role)]), ids.map((id) => [id, ['ca']]));
  t.same(report.problems, []);

  // Another writer replaces one field with a foreign CA: inspect says so.
  const foreign = (await issueCa({ lifetimeMs: 60 * MIN, backdateMs: 0, commonName: 'someone-else' })).cert;
  api.store.update('mutatingwebhookconfigurations', '', WEBHOOK_CONFIG, (o) => {
    (o as { webhooks: Array<{ clientConfig: { caBundle?: string } }> }).webhooks[0]!.clientConfig.caBundle = Buffer.from(foreign).toString('base64');
  });
  const text = await runCliInProcess(args.filter((a) => a !== '--json'));
  t.equal(text.code, 0, text.stderr);
  t.match(text.stdout, 'Store: Secret kadmit/kadmit-ca');
  t.match(text.stdout, /published in ValidatingWebhookConfiguration\/kadmit\/webhooks\/0\/clientConfig\/caBundle, ValidatingWebhookConfiguration\/kadmit\/webhooks\/1\/clientConfig\/caBundle\n/);
  t.match(text.stdout, /not kadmit's +O=kadmit, CN=someone-else/);
  t.match(text.stdout, /Problems:\n {2}- MutatingWebhookConfiguration\/kadmit\/webhooks\/0\/clientConfig\/caBundle does not hold the current CA/);
});

t.test('usage errors exit 2', async (t) => {
  const unknown = await runCliInProcess(['certs', 'rotate']);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /unknown certs command "rotate"/);
  const external = await runCliInProcess(['certs', 'inspect', '--cert-store', 'external']);
  t.equal(external.code, 2);
  const badFlag = await runCliInProcess(['certs', 'inspect', '--frobnicate']);
  t.equal(badFlag.code, 2);
  const help = await runCliInProcess(['certs', 'inspect', '--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /Usage: kadmit certs inspect/);
});
