import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import t from 'tap';
import { bundleFingerprints } from '../../src/certs/bundle.ts';
import { createKubeBundleTargets } from '../../src/certs/kube-bundle-targets.ts';
import { createSecretDocumentStore } from '../../src/certs/kube-secret-store.ts';
import { createCertRotator } from '../../src/certs/rotator.ts';
import type { CertRotator } from '../../src/certs/rotator.ts';
import { closeKubeConnections, decodeCaBundle, getCaBundleTarget } from '../../src/kube/index.ts';
import { CountingMetrics } from './fakes.ts';
import { SELECTORS, WEBHOOK_CONFIG, apiWithWebhookConfigs } from './kube-support.ts';
import pino from 'pino';
import { HOST, NS, SVC } from './support.ts';

// Real time, real sockets: three replicas (in this process) rotate CA and
// serving certificates with lifetimes of seconds, sharing the test API
// server, while a client makes a fresh TLS handshake to one of them after
// another, SNI <svc>.<ns>.svc, trusting only the caBundle it re-reads from
// the API each time. Faults on the way: 409s, 500s, dropped watches, the
// Secret deleted and corrupted, another writer resetting a caBundle.
// KADMIT_CERT_E2E_SECONDS=45 runs it longer (>= 3 CA rotations after the first).

const seconds = Number(process.env['KADMIT_CERT_E2E_SECONDS'] ?? 16);
// The last third of a life (CA ~6 s, leaf ~2.3 s here; months and days in
// production) must hold a whole rollover or renewal: key generation,
// publication, grace, new leaves, on a loaded CI machine with three replicas
// in one process.
const lifetimes = { caMs: 18_000, servingMs: 6_000, backdateMs: 1_000 };
const graceMs = 1_000;
// A pause between handshakes: ~one every 20 ms samples every rollover step
// many times over, without a busy loop of handshakes and API reads eating the CPU
// the rotators need.
const handshakePauseMs = 20;

const { api, kube } = await apiWithWebhookConfigs();
const metrics = new CountingMetrics();
const servers: tls.Server[] = [];
const rotators: CertRotator[] = [];
const t0 = Date.now();
const trace: string[] = [];

t.teardown(async () => {
  for (const r of rotators) await r.stop();
  for (const s of servers) s.close();
  await api.close();
  await closeKubeConnections(kube.kc);
});

for (let i = 0; i < 3; i++) {
  let server: tls.Server | undefined;
  const rotator = createCertRotator({
    store: createSecretDocumentStore({ kube, namespace: NS, name: 'kadmit-ca' }),
    targets: createKubeBundleTargets({ kube, selectors: SELECTORS }),
    // What the transport does: new handshakes get the new pair, open connections keep theirs.
    sink: { update: (m) => server?.setSecureContext({ key: m.key, cert: m.cert }) },
    serviceName: SVC,
    namespace: NS,
    lifetimes,
    graceMs,
    checkIntervalMs: 1_000,
    backoff: { initialMs: 100, maxMs: 1_000 },
    log: pino({ level: 'info' }, { write: (line: string) => {
      const { msg, time, level, ...rest } = JSON.parse(line);
      trace.push(`${((time - t0) / 1000).toFixed(2)}s r${i} ${msg} ${JSON.stringify(rest)}`);
    } }),
    metrics,
  });
  rotator.start();
  rotators.push(rotator);
  const first = await rotator.ready();
  server = tls.createServer({ key: first.key, cert: first.cert, minVersion: 'TLSv1.2' }, (s) => s.end('ok'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
}

async function handshake(port: number): Promise<string | undefined> {
  const target = await getCaBundleTarget(kube, 'ValidatingWebhookConfiguration', WEBHOOK_CONFIG);
  const ca = decodeCaBundle(target.slots[0]!.caBundle);
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: HOST });
    socket.on('secureConnect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

// Whether the replicas agree on the CA, and which caBundle slots hold it.
async function trustView(): Promise<{ agreed: boolean; slots: Array<{ name: string; trusts: boolean }> }> {
  const cas = rotators.map((r) => r.status().ca?.fingerprint);
  const slots: Array<{ name: string; trusts: boolean }> = [];
  for (const kind of ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'] as const) {
    const target = await getCaBundleTarget(kube, kind, WEBHOOK_CONFIG);
    for (const slot of target.slots) slots.push({ name: `${kind} ${slot.label}`, trusts: cas[0] !== undefined && bundleFingerprints(decodeCaBundle(slot.caBundle)).includes(cas[0]) });
  }
  return { agreed: new Set(cas).size === 1, slots };
}

t.test(`fresh handshakes through ${seconds}s of rotations and faults`, async (t) => {
  const start = Date.now();
  const at = (s: number) => start + s * 1000;
  const faults: Array<[number, string, () => void]> = [
    [1.5, '409 on Secret updates', () => api.faults.add({ verb: 'update', resource: 'secrets', status: 409, times: 3 })],
    [2.5, '500 on caBundle patches', () => api.faults.add({ verb: 'patch', status: 500, times: 2 })],
    [3.5, 'watches dropped', () => api.faults.dropWatches({ mode: 'destroy' })],
    [4.5, 'Secret deleted', () => api.store.delete('secrets', NS, 'kadmit-ca')],
    [5.5, 'Secret corrupted', () => api.store.update('secrets', NS, 'kadmit-ca', (o) => void ((o as { data: unknown }).data = { 'ca.crt': 'Z2FyYmFnZQ==' }))],
    [6.5, 'mutating caBundle reset by another writer', () =>
      api.store.update('mutatingwebhookconfigurations', '', WEBHOOK_CONFIG, (o) => {
        (o as { webhooks: Array<{ clientConfig: { caBundle?: string } }> }).webhooks[0]!.clientConfig.caBundle = undefined;
      })],
  ];
  let ok = 0;
  const failures: string[] = [];
  for (let n = 0; Date.now() < at(seconds); n++) {
    while (faults.length > 0 && Date.now() >= at(faults[0]![0])) {
      const [, what, inject] = faults.shift()!;
      inject();
      t.comment(`fault: ${what}`);
      trace.push(`${((Date.now() - t0) / 1000).toFixed(2)}s FAULT ${what}`);
    }
    const err = await handshake((servers[n % 3]!.address() as AddressInfo).port);
    if (err) failures.push(`${((Date.now() - t0) / 1000).toFixed(2)}s replica ${n % 3}: ${err}`);
    else ok++;
    await new Promise((r) => setTimeout(r, handshakePauseMs));
  }
  // Converged within 1.5 s: one CA everywhere, every caBundle restored.
  const settledBy = Date.now() + 1_500;
  let view = await trustView();
  while (!(view.agreed && view.slots.every((slot) => slot.trusts)) && Date.now() < settledBy) {
    await new Promise((r) => setTimeout(r, 100));
    view = await trustView();
  }
  t.ok(view.agreed, 'replicas agree on the CA');
  for (const slot of view.slots) t.ok(slot.trusts, `${slot.name} trusts it`);
  t.comment(`handshakes: ${ok} ok, ${failures.length} failed; rotations ${JSON.stringify(metrics.rotations)}; errors ${JSON.stringify(Object.fromEntries(metrics.errors))}`);
  t.same(failures, [], '0 failed handshakes');
  if (failures.length > 0) t.comment(trace.join('\n'));
  t.ok(ok > 50, `${ok} handshakes`);
  t.ok(metrics.rotations.ca >= 2, `CA rotations: ${metrics.rotations.ca}`);
  t.ok(metrics.rotations.serving >= 6, `serving rotations: ${metrics.rotations.serving}`);
});
