// Issue 5's proof over real processes: one test API server, three
// `kadmit serve --cert-store secret` replicas, and a client in its own process
// that keeps making fresh TLS handshakes (SNI kadmit.kadmit.svc), trusting
// only the caBundle it re-reads from the API each time, and posting reviews.
// Lifetimes of seconds make >= 3 CA rotations and >= 10 serving rotations
// happen while it runs: 0 failed handshakes, 0 failed requests. Then the same
// with faults injected into the API server, and the state must converge.
//
// A run takes ~45 s (a CA rotation every ~12 s). The suite runs the one with
// faults: between its faults it is a run without them, and it makes every
// assertion the fault-free run makes. The fault-free run, and a longer soak:
//   KADMIT_ROTATION_E2E_WITHOUT_FAULTS=1 npx tap --timeout 900 test/certs/rotation-e2e.test.ts
//   KADMIT_ROTATION_E2E_CA_ROTATIONS=10 npx tap --timeout 900 test/certs/rotation-e2e.test.ts
import t, { type Test } from 'tap';
import { issueCa } from '../../src/certs/issue.ts';
import { joinPem } from '../../src/certs/pem.ts';
import type { RemoteTestApiServer } from '../apiserver/remote.ts';
import type { Counts } from './rotation-e2e-client.ts';
import {
  NS, SECRET, certLogSummary, decodeSecretData, fingerprintsOf, readBundle, readPhase, resetBundle, scrapeMetrics, servedIssuers, servingIssuance, sleep,
  startClient, startCluster, waitReady, without, type CaPhase, type Cluster,
} from './rotation-e2e-support.ts';

const CA_ROTATIONS = Number(process.env['KADMIT_ROTATION_E2E_CA_ROTATIONS'] ?? 3);
const SERVING_ROTATIONS = Math.max(10, CA_ROTATIONS * 4);
// CA renewed at 2/3 of 18 s, so a rotation every ~12 s; the last third must
// hold key generation, publication and the grace on a loaded 2-core machine.
// The grace stands for the apiserver's informer lag; here it also covers the
// client's own lag between reading a bundle and handshaking.
// Leaves of 9 s (10-11 s with the back-dating) are renewed at 2/3 of that, with a
// key generated ahead; until 304585d they were renewed at 9/10 whenever the view
// of the CA state was older than the grace period, and expired under load.
const SERVE_ARGS = ['--ca-lifetime', '18s', '--serving-lifetime', '9s', '--ca-grace', '3s'];
const REPLICAS = 3;
const RUN_DEADLINE_MS = (CA_ROTATIONS + 3) * 20_000;

interface Fault {
  name: string;
  /** steady: no next CA in the Secret; grace: a next CA is published and waits for its promotion. */
  when: 'steady' | 'grace';
  /** Only once the CA state has not changed for this long. */
  quietMs?: number;
  inject(api: RemoteTestApiServer, phase: CaPhase): Promise<unknown>;
}

const foreignCa = (await issueCa({ lifetimeMs: 3_600_000, backdateMs: 60_000, commonName: 'gitops-managed-ca' })).cert;

// The caBundle resets keep the CA the replicas sign with: a reset that removes
// it fails every call until kadmit restores it, whatever kadmit does, because
// the apiserver trusts only what the field holds (an empty field means the
// system roots). What kadmit controls, and what these resets test, is that a
// CA is never promoted on a publication another writer took back: the resets
// put back the bundle as it was before the next CA was added (a stale copy, as
// a GitOps sync of an old manifest would), during the next CA's grace period.
// The destructive reset (a field emptied) is checked after the client stops:
// kadmit must restore it and the replicas must be ready again.
const FAULTS: Fault[] = [
  {
    name: 'validating caBundle set back to its previous value by another writer (next CA removed during its grace)',
    when: 'grace',
    inject: async (api, phase) => resetBundle(api, 'validating', without(await readBundle(api, 'validating'), phase.next)),
  },
  { name: '409 Conflict on the next 3 Secret writes', when: 'steady', inject: (api) => api.addFault({ verb: ['create', 'update'], resource: 'secrets', name: SECRET, status: 409, times: 3 }) },
  { name: '500 on the next 3 Secret writes', when: 'steady', inject: (api) => api.addFault({ verb: ['create', 'update'], resource: 'secrets', name: SECRET, status: 500, times: 3 }) },
  { name: 'every watch dropped (sockets destroyed)', when: 'steady', inject: (api) => api.dropWatches({ mode: 'destroy' }) },
  { name: 'Secret deleted during a grace period', when: 'grace', inject: (api) => api.delete('secrets', NS, SECRET) },
  {
    // Quiet for longer than a serving lifetime: no replica's copy of the state is recent.
    name: 'Secret corrupted (garbage in ca.crt) after 7 s without a CA change',
    when: 'steady',
    quietMs: 7_000,
    inject: async (api) => {
      const secret = (await api.get('secrets', NS, SECRET)) as { data: Record<string, string> } | null;
      if (!secret) return;
      secret.data['ca.crt'] = Buffer.from('-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n').toString('base64');
      await api.put('secrets', secret as never);
    },
  },
  { name: '500 on the next 2 caBundle patches', when: 'steady', inject: (api) => api.addFault({ verb: 'patch', status: 500, times: 2 }) },
  {
    name: 'mutating caBundle set to a different CA plus its previous value by another writer (next CA removed during its grace)',
    when: 'grace',
    inject: async (api, phase) => resetBundle(api, 'mutating', joinPem([foreignCa, without(await readBundle(api, 'mutating'), phase.next)])),
  },
];

interface RunResult {
  counts: Counts;
  caRotations: number;
  servingRotations: number;
  cluster: Cluster;
  trace: string[];
}

/** Runs the client until the rotation counts are reached (and every fault was injected). */
async function rotationRun(t: Test, faults: readonly Fault[]): Promise<RunResult> {
  const began = Date.now();
  const dir = t.testdir({});
  const cluster = await startCluster(dir, SERVE_ARGS);
  t.teardown(() => cluster.stop());
  const { api, replicas } = cluster;
  await waitReady(replicas, 60_000);
  const baseline = await scrapeMetrics(replicas);
  const client = startClient(dir, api, replicas.map((r) => r.webhookPort));
  t.teardown(() => void client.child.kill());

  const start = Date.now();
  const trace: string[] = [];
  const note = (line: string) => trace.push(`${((Date.now() - start) / 1000).toFixed(2)}s ${line}`);
  const cas: string[] = [];
  const pending = [...faults];
  let lastFault = 0;
  let lastCaChange = Date.now();
  let servingRotations = 0;
  for (;;) {
    const phase = await readPhase(api);
    if (phase.current && !cas.includes(phase.current)) {
      cas.push(phase.current);
      lastCaChange = Date.now();
      note(`CA ${cas.length - 1}: ${phase.current.slice(0, 11)}`);
    }
    const due = pending[0];
    if (due && Date.now() - lastFault > 1_500 && Date.now() - lastCaChange >= (due.quietMs ?? 0) && (due.when === 'grace' ? phase.inGrace : phase.current !== undefined && !phase.next)) {
      await due.inject(api, phase);
      pending.shift();
      lastFault = Date.now();
      note(`FAULT ${due.name}`);
      t.comment(`fault: ${due.name}`);
    }
    servingRotations = (await scrapeMetrics(replicas)).servingRotations - baseline.servingRotations;
    // With faults: on until a CA rotation after the last one, so its effect is seen under load.
    const settled = pending.length === 0 && (faults.length === 0 || lastCaChange > lastFault);
    if (cas.length - 1 >= CA_ROTATIONS && servingRotations >= SERVING_ROTATIONS && settled) break;
    if (Date.now() - start > RUN_DEADLINE_MS) {
      t.fail(`rotation counts not reached within ${RUN_DEADLINE_MS} ms`, { caRotations: cas.length - 1, servingRotations, faultsLeft: pending.map((f) => f.name) });
      break;
    }
    await sleep(250);
  }
  const counts = await client.stop();
  note('client stopped');
  t.comment(`${((start - began) / 1000).toFixed(1)}s to start 3 ready replicas; run:\n${trace.join('\n')}`);
  return { counts, caRotations: cas.length - 1, servingRotations, cluster, trace };
}

function report(t: Test, label: string, r: RunResult, extra: Record<string, unknown> = {}): void {
  const { failures, ...numbers } = r.counts;
  t.comment(`${label}: ${JSON.stringify({ ...numbers, caRotations: r.caRotations, servingRotations: r.servingRotations, ...extra })}`);
  t.comment(`certificate log lines: ${JSON.stringify(certLogSummary(r.cluster.replicas))}`);
  const { tookMs, marginMs } = servingIssuance(r.cluster.replicas);
  const median = (v: number[]) => v[Math.floor(v.length / 2)];
  t.comment(`serving certificate issuance: took median ${median(tookMs)} ms, max ${tookMs.at(-1)} ms (${tookMs.length}); `
    + `the replaced leaf had median ${median(marginMs)} ms, min ${marginMs[0]} ms left`);
  t.equal(r.counts.handshakeFailures, 0, '0 failed handshakes');
  t.equal(r.counts.requestFailures, 0, '0 failed requests');
  t.ok(r.counts.handshakes >= 100 && r.counts.requests === r.counts.handshakes, `${r.counts.handshakes} handshakes, each with a request`);
  t.ok(r.caRotations >= CA_ROTATIONS, `${r.caRotations} CA rotations while the client ran`);
  t.ok(r.servingRotations >= SERVING_ROTATIONS, `${r.servingRotations} serving rotations while the client ran`);
  t.ok(r.counts.bundlesSeen > CA_ROTATIONS, `the client trusted ${r.counts.bundlesSeen} different bundles`);
  // What the replicas logged about failed handshakes (theirs and their self-checks'), when any failed.
  if (Number(extra['serverHandshakeFailures'] ?? 0) > 0) {
    for (const [i, rep] of r.cluster.replicas.entries()) {
      t.comment(`replica ${i} TLS lines:\n${rep.lines.filter((l) => /handshake|self-check|not ready/i.test(l)).join('\n')}`);
    }
  }
  if (failures.length > 0 || r.counts.handshakes === 0) {
    t.comment(['client failures:', ...failures].join('\n'));
    for (const [i, rep] of r.cluster.replicas.entries()) t.comment(`replica ${i} log tail:\n${rep.lines.slice(-80).join('\n')}`);
  }
}

/** One CA signs every served leaf and every caBundle holds it (polled: the last cycle may still run). */
async function assertConverged(t: Test, cluster: Cluster): Promise<void> {
  const until = Date.now() + 30_000;
  let view: { current?: string; served: Array<string | undefined>; bundles: string[][] };
  for (;;) {
    const phase = await readPhase(cluster.api);
    view = {
      ...(phase.current && { current: phase.current }),
      served: await servedIssuers(cluster.replicas),
      bundles: await Promise.all((['validating', 'mutating'] as const).map(async (k) => fingerprintsOf(await readBundle(cluster.api, k)))),
    };
    const done = view.current !== undefined && view.served.every((s) => s === view.current) && view.bundles.every((b) => b.includes(view.current!));
    if (done || Date.now() > until) break;
    await sleep(250);
  }
  t.ok(view.current, 'the Secret names a current CA');
  t.same(view.served, view.served.map(() => view.current), 'every replica serves a leaf from it');
  t.ok(view.bundles.every((b) => b.includes(view.current!)), 'every caBundle holds it');
  const decoded = decodeSecretData(await cluster.api.get('secrets', NS, SECRET));
  t.ok(decoded['ca.crt'] && decoded['ca.key'], 'the Secret is whole');
}

const WITHOUT_FAULTS = process.env['KADMIT_ROTATION_E2E_WITHOUT_FAULTS'] === '1';

t.test(`${REPLICAS} replica processes, a client process: rotations without faults`, { skip: WITHOUT_FAULTS ? false : 'covered by the run with faults; set KADMIT_ROTATION_E2E_WITHOUT_FAULTS=1' }, async (t) => {
  const r = await rotationRun(t, []);
  const metrics = await scrapeMetrics(r.cluster.replicas);
  report(t, 'counts without faults', r, { serverHandshakeFailures: metrics.handshakeFailures });
  t.equal(metrics.handshakeFailures, 0, 'no replica counted a failed handshake (the readiness self-checks included)');
  await assertConverged(t, r.cluster);
});

t.test(`${REPLICAS} replica processes, a client process: rotations with faults`, async (t) => {
  const r = await rotationRun(t, FAULTS);
  const metrics = await scrapeMetrics(r.cluster.replicas);
  report(t, 'counts with faults', r, { serverHandshakeFailures: metrics.handshakeFailures, certErrors: metrics.errors });
  t.equal(metrics.handshakeFailures, 0, 'no replica counted a failed handshake (the readiness self-checks included)');
  await assertConverged(t, r.cluster);

  // The destructive reset, with the client stopped: kadmit puts its CA back
  // and every replica is ready again.
  await resetBundle(r.cluster.api, 'mutating', '');
  const emptied = Date.now();
  let restored = false;
  while (!restored && Date.now() - emptied < 20_000) {
    await sleep(100);
    const phase = await readPhase(r.cluster.api);
    restored = phase.current !== undefined && fingerprintsOf(await readBundle(r.cluster.api, 'mutating')).includes(phase.current);
  }
  t.ok(restored, `an emptied caBundle is restored (${Date.now() - emptied} ms)`);
  await t.resolves(waitReady(r.cluster.replicas, 20_000), 'every replica is ready again');
  await assertConverged(t, r.cluster);
});
