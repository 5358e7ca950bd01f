import t from 'tap';
import { bundleFingerprints } from '../../src/certs/bundle.ts';
import { createKubeBundleTargets } from '../../src/certs/kube-bundle-targets.ts';
import { createKubeCertEvents } from '../../src/certs/kube-events.ts';
import { createSecretDocumentStore } from '../../src/certs/kube-secret-store.ts';
import { createCertRotator } from '../../src/certs/rotator.ts';
import { verifyServing } from '../../src/certs/verify.ts';
import { closeKubeConnections } from '../../src/kube/index.ts';
import { CountingMetrics, FakeClock, RecordingSink } from './fakes.ts';
import { SELECTORS, WEBHOOK_CONFIG, apiWithWebhookConfigs } from './kube-support.ts';
import { HOST, NS, SVC, silentLogger } from './support.ts';

// The rotation engine through src/kube against the in-repo test API server:
// the Secret as state, the webhook configurations' caBundles as targets,
// with the server's own 409s, 500s, deletions and out-of-band edits.

const MIN = 60_000;
const lifetimes = { caMs: 60 * MIN, servingMs: 9 * MIN, backdateMs: MIN };
const graceMs = 2 * MIN;
// 1024-bit keys: every rotator start and rotation generates pairs, and the key size is not under test here.
const shared = { serviceName: SVC, namespace: NS, lifetimes, graceMs, log: silentLogger(), modulusLength: 1024 };

const { api, kube } = await apiWithWebhookConfigs();
t.teardown(async () => {
  await api.close();
  await closeKubeConnections(kube.kc);
});

const store = createSecretDocumentStore({ kube, namespace: NS, name: 'kadmit-ca' });
const targets = createKubeBundleTargets({ kube, selectors: SELECTORS });
const clock = new FakeClock(Date.now());
const metrics = new CountingMetrics();
const events = createKubeCertEvents({ kube, namespace: NS, involvedObject: { apiVersion: 'v1', kind: 'Secret', name: 'kadmit-ca', namespace: NS } });
const replicas = [0, 1].map((i) => {
  const sink = new RecordingSink();
  const rotator = createCertRotator({ store, targets, sink, ...shared, metrics, clock: clock.now, ...(i === 0 && { events }) });
  return { sink, rotator };
});
const runAll = () => Promise.all(replicas.map((r) => r.rotator.runOnce().catch(() => {})));

function bundles(): string[] {
  const v = api.store.get('validatingwebhookconfigurations', '', WEBHOOK_CONFIG) as { webhooks: Array<{ clientConfig: { caBundle?: string } }> };
  const m = api.store.get('mutatingwebhookconfigurations', '', WEBHOOK_CONFIG) as typeof v;
  return [...v.webhooks, ...m.webhooks].map((w) => Buffer.from(w.clientConfig.caBundle ?? '', 'base64').toString('utf8'));
}
function allTrusted(): string[] {
  const problems: string[] = [];
  for (const [i, r] of replicas.entries()) {
    for (const b of bundles()) {
      try {
        verifyServing({ cert: r.sink.last!.cert, key: r.sink.last!.key, ca: b, hosts: [HOST], now: clock.now() });
      } catch (err) {
        problems.push(`replica ${i}: ${(err as Error).message}`);
      }
    }
  }
  return problems;
}

t.test('bootstrap: Secret created once, every caBundle set, both replicas serving', async (t) => {
  await runAll();
  const secret = api.store.get('secrets', NS, 'kadmit-ca') as { data: Record<string, string> };
  t.ok(secret?.data['ca.key'], 'the CA lives in the Secret');
  t.equal(bundles().length, 3, 'three webhooks');
  t.same(allTrusted(), []);
  t.equal(new Set(bundles().map((b) => bundleFingerprints(b).join())).size, 1, 'the same bundle everywhere');
  // Events are best effort and asynchronous: poll for them.
  let reasons: string[] = [];
  for (let i = 0; i < 100 && !reasons.includes('CertificateRotated'); i++) {
    await new Promise((r) => setTimeout(r, 20));
    reasons = api.store.list('events', NS).map((e) => String(e['reason']));
  }
  t.ok(reasons.includes('CARotationPhase') && reasons.includes('CertificateRotated'), `events recorded: ${[...new Set(reasons)].join(', ')}`);
});

t.test('a full CA rotation through the API with 409s and 500s on the way', async (t) => {
  const before = replicas[0]!.rotator.status().ca!.fingerprint;
  api.faults.add({ verb: 'update', resource: 'secrets', status: 409, times: 2 });
  api.faults.add({ verb: 'patch', resource: 'mutatingwebhookconfigurations', status: 500, times: 1 });
  clock.advance(41 * MIN);
  await runAll();
  await runAll();
  t.ok(replicas[0]!.rotator.status().nextCa?.publishedAt, 'next CA published');
  t.same(allTrusted(), [], 'still serving the old CA, trusted');
  clock.advance(graceMs);
  await runAll();
  await runAll();
  const after = replicas.map((r) => r.rotator.status().ca?.fingerprint);
  t.not(after[0], before);
  t.equal(after[0], after[1], 'replicas agree');
  t.ok(replicas.every((r) => r.rotator.status().serving?.issuerFingerprint === after[0]), 'both serve from the new CA');
  t.same(allTrusted(), []);
  t.ok(bundles().every((b) => bundleFingerprints(b).includes(before)), 'old CA kept until its leaves are gone');
  t.ok(metrics.errors.get('write-targets')! >= 1, 'the 500 was counted');
});

t.test('GitOps reset of a caBundle, Secret deleted, Secret corrupted: restored, still trusted', async (t) => {
  api.store.update('validatingwebhookconfigurations', '', WEBHOOK_CONFIG, (o) => {
    (o as { webhooks: Array<{ clientConfig: { caBundle?: string } }> }).webhooks[0]!.clientConfig.caBundle = undefined;
  });
  await runAll();
  t.same(allTrusted(), [], 'caBundle restored');

  api.store.delete('secrets', NS, 'kadmit-ca');
  await runAll();
  t.ok(api.store.get('secrets', NS, 'kadmit-ca'), 'Secret recreated');
  t.same(allTrusted(), []);

  api.store.update('secrets', NS, 'kadmit-ca', (o) => {
    (o as { data: Record<string, string> }).data = { 'ca.crt': Buffer.from('garbage').toString('base64') };
  });
  await runAll();
  const data = (api.store.get('secrets', NS, 'kadmit-ca') as { data: Record<string, string> }).data;
  t.ok(data['ca.key'], 'Secret repaired');
  t.same(allTrusted(), []);
  t.equal(new Set(replicas.map((r) => r.rotator.status().ca?.fingerprint)).size, 1, 'converged');
});

t.test('the Secret watch wakes a started rotator', async (t) => {
  const sink = new RecordingSink();
  const r = createCertRotator({ store, targets, sink, ...shared, checkIntervalMs: 60_000, clock: clock.now });
  r.start();
  await r.ready();
  const caBefore = r.status().ca?.fingerprint;
  // Another replica promotes a new CA; only the watch can tell this one in time.
  clock.advance(41 * MIN);
  await replicas[0]!.rotator.runOnce();
  clock.advance(graceMs);
  const swapped = new Promise<void>((resolve) => {
    sink.onUpdate = (m) => {
      if (r.status().serving?.issuerFingerprint !== caBefore) resolve();
      void m;
    };
  });
  await replicas[0]!.rotator.runOnce();
  await swapped;
  t.not(r.status().ca?.fingerprint, caBefore, 'adopted the promotion');
  await r.stop();
});
