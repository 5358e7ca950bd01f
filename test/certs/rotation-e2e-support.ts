// Set-up for the rotation e2e test (not a test file itself): a test API server
// process, three `kadmit serve --cert-store secret` processes, the client
// process, and the probes the test reads (Secret state, caBundles, metrics).
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { inspectDocument, type Inventory } from '../../src/certs/inspect.ts';
import { joinPem, splitPemCertificates } from '../../src/certs/pem.ts';
import { spawnTestApiServer, type RemoteTestApiServer } from '../apiserver/remote.ts';
import type { JsonObject } from '../apiserver/json.ts';
import { startCli, waitForLog } from '../helpers/process.ts';
import type { Counts } from './rotation-e2e-client.ts';

export const NS = 'kadmit';
export const SECRET = 'kadmit-ca';
export const CONFIG = 'kadmit'; // both webhook configurations are named like the service
export const KINDS = { validating: 'validatingwebhookconfigurations', mutating: 'mutatingwebhookconfigurations' } as const;
export type ConfigKind = keyof typeof KINDS;
const CLIENT = fileURLToPath(new URL('./rotation-e2e-client.ts', import.meta.url));

export interface Replica {
  child: ChildProcess;
  webhookPort: number;
  opsPort: number;
  /** Recent log lines, for the trace printed when something fails. */
  lines: string[];
}

export interface Cluster {
  api: RemoteTestApiServer;
  replicas: Replica[];
  stop(): Promise<void>;
}

function webhookConfiguration(kind: string, webhook: string): JsonObject {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind,
    metadata: { name: CONFIG, labels: { app: 'kadmit' } },
    webhooks: [{
      name: webhook,
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      failurePolicy: 'Fail',
      clientConfig: { service: { name: 'kadmit', namespace: NS, path: '/validate/require-memory-limits', port: 443 } },
    }],
  };
}

export async function startCluster(dir: string, serveArgs: readonly string[]): Promise<Cluster> {
  const kubeconfig = join(dir, 'kubeconfig');
  const api = await spawnTestApiServer(['--kubeconfig', kubeconfig, '--namespace', NS]);
  const replicas: Replica[] = [];
  const stop = async () => {
    await Promise.all(replicas.map((r) => stopProcess(r.child)));
    await api.close();
  };
  try {
    // Created first, as an installer would: one webhook each, no caBundle yet.
    await api.put(KINDS.validating, webhookConfiguration('ValidatingWebhookConfiguration', 'limits.kadmit.io'));
    await api.put(KINDS.mutating, webhookConfiguration('MutatingWebhookConfiguration', 'defaults.kadmit.io'));
    const args = ['serve', '--cert-store', 'secret', '--kubeconfig', kubeconfig, '--webhook-address', '127.0.0.1:0', '--ops-address', '127.0.0.1:0',
      '--workers', '1', '--webhook', 'builtin:require-memory-limits', '--drain-delay-ms', '0', '--shutdown-grace-ms', '3000', ...serveArgs];
    // All three at once: they race for the Secret as replicas of a new Deployment do.
    const children = [0, 1, 2].map(() => startCli(args, { cwd: dir }));
    for (const child of children) {
      const lines: string[] = [];
      child.stdout!.on('data', (c: Buffer) => keep(lines, c));
      child.stderr!.on('data', (c: Buffer) => keep(lines, c));
      replicas.push({ child, webhookPort: 0, opsPort: 0, lines });
    }
    await Promise.all(replicas.map(async (r) => {
      const serving = await waitForLog(r.child, (l) => l.msg === 'kadmit serving', 60_000);
      r.webhookPort = serving.webhook.port;
      r.opsPort = serving.ops.port;
    }));
    return { api, replicas, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

// Everything but the per-review lines (one per request), the last 1000.
function keep(lines: string[], chunk: Buffer): void {
  for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '' && !line.includes('"msg":"review"')) lines.push(line);
  if (lines.length > 1000) lines.splice(0, lines.length - 1000);
}

/**
 * From the replicas' "serving certificate issued" lines: how long each issuance
 * took, and how much life the leaf it replaced had left (ms, each sorted).
 */
export function servingIssuance(replicas: readonly Replica[]): { tookMs: number[]; marginMs: number[] } {
  const tookMs: number[] = [];
  const marginMs: number[] = [];
  for (const r of replicas) {
    let previousNotAfter: number | undefined;
    for (const line of r.lines) {
      if (!line.includes('"msg":"serving certificate issued"')) continue;
      const entry = JSON.parse(line) as { time: string; notAfter: string; tookMs: number };
      tookMs.push(entry.tookMs);
      if (previousNotAfter !== undefined) marginMs.push(previousNotAfter - Date.parse(entry.time));
      previousNotAfter = Date.parse(entry.notAfter);
    }
  }
  const ascending = (a: number, b: number) => a - b;
  return { tookMs: tookMs.sort(ascending), marginMs: marginMs.sort(ascending) };
}

/** How often each certificate log message appeared, over all replicas: what the run went through. */
export function certLogSummary(replicas: readonly Replica[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of replicas) {
    for (const line of r.lines) {
      if (!line.includes('"component":"certs"')) continue;
      const msg = /"msg":"([^"]*)"/.exec(line)?.[1] ?? '?';
      counts[msg] = (counts[msg] ?? 0) + 1;
    }
  }
  return counts;
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export async function waitReady(replicas: readonly Replica[], timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (const r of replicas) {
    for (;;) {
      const res = await fetch(`http://127.0.0.1:${r.opsPort}/readyz`).catch(() => undefined);
      if (res?.status === 200) break;
      if (Date.now() > until) throw new Error(`replica :${r.webhookPort} not ready within ${timeoutMs} ms: ${await res?.text()}`);
      await sleep(200);
    }
  }
}

/** Sums of the certificate metrics over the replicas. */
export interface CertMetricSums {
  caRotations: number;
  servingRotations: number;
  handshakeFailures: number;
  errors: Record<string, number>;
}

export async function scrapeMetrics(replicas: readonly Replica[]): Promise<CertMetricSums> {
  const sums: CertMetricSums = { caRotations: 0, servingRotations: 0, handshakeFailures: 0, errors: {} };
  for (const r of replicas) {
    const text = await (await fetch(`http://127.0.0.1:${r.opsPort}/metrics`)).text();
    for (const m of text.matchAll(/^kadmit_certificate_rotations_total\{role="(ca|serving)"\} (\d+)/gm)) {
      if (m[1] === 'ca') sums.caRotations += Number(m[2]);
      else sums.servingRotations += Number(m[2]);
    }
    for (const m of text.matchAll(/^kadmit_certificate_errors_total\{operation="([^"]+)"\} (\d+)/gm)) sums.errors[m[1]!] = (sums.errors[m[1]!] ?? 0) + Number(m[2]);
    sums.handshakeFailures += Number(/^kadmit_tls_handshake_failures_total (\d+)/m.exec(text)?.[1] ?? 0);
  }
  return sums;
}

/** What a replica's /debug/certs says it serves. */
export async function servedIssuers(replicas: readonly Replica[]): Promise<Array<string | undefined>> {
  return Promise.all(replicas.map(async (r) => {
    const view = (await (await fetch(`http://127.0.0.1:${r.opsPort}/debug/certs`)).json()) as { serving?: { issuerFingerprint?: string } } | null;
    return view?.serving?.issuerFingerprint;
  }));
}

export function decodeSecretData(secret: JsonObject | null): Record<string, string> {
  const data = ((secret as { data?: Record<string, string> } | null)?.data) ?? {};
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}

export interface CaPhase {
  current?: string;
  next?: string;
  /** The next CA is in every caBundle and its grace period runs. */
  inGrace: boolean;
  inventory: Inventory;
}

export async function readPhase(api: RemoteTestApiServer): Promise<CaPhase> {
  const inventory = inspectDocument(decodeSecretData(await api.get('secrets', NS, SECRET)));
  const ca = inventory.entries.find((e) => e.role === 'ca');
  const next = inventory.entries.find((e) => e.role === 'next-ca');
  return { ...(ca && { current: ca.fingerprint256 }), ...(next && { next: next.fingerprint256 }), inGrace: next?.publishedAt !== undefined, inventory };
}

/** The caBundle (PEM) of a configuration's only webhook. */
export async function readBundle(api: RemoteTestApiServer, kind: ConfigKind): Promise<string> {
  const o = (await api.get(KINDS[kind], '', CONFIG)) as { webhooks: Array<{ clientConfig: { caBundle?: string } }> };
  const b64 = o.webhooks[0]!.clientConfig.caBundle;
  return b64 ? Buffer.from(b64, 'base64').toString('utf8') : '';
}

/** Another writer (a GitOps sync, manager "argocd") sets a configuration's caBundle. */
export async function resetBundle(api: RemoteTestApiServer, kind: ConfigKind, pem: string): Promise<void> {
  const o = (await api.get(KINDS[kind], '', CONFIG)) as JsonObject & { webhooks: Array<{ clientConfig: { caBundle?: string } }> };
  if (pem === '') delete o.webhooks[0]!.clientConfig.caBundle;
  else o.webhooks[0]!.clientConfig.caBundle = Buffer.from(pem).toString('base64');
  await api.put(KINDS[kind], o, { manager: 'argocd' });
}

export function fingerprintsOf(pem: string): string[] {
  return splitPemCertificates(pem).map((c) => new X509Certificate(c).fingerprint256);
}

export function without(pem: string, fingerprint: string | undefined): string {
  return joinPem(splitPemCertificates(pem).filter((c) => new X509Certificate(c).fingerprint256 !== fingerprint));
}

export interface ClientProcess {
  child: ChildProcess;
  latest(): Counts | undefined;
  /** Ends the loop after the call in flight; resolves with the final counts. */
  stop(): Promise<Counts>;
}

export function startClient(dir: string, api: RemoteTestApiServer, ports: readonly number[]): ClientProcess {
  const caFile = join(dir, 'api-ca.crt');
  writeFileSync(caFile, api.info.caPem);
  const args = [CLIENT, '--api', api.url, '--api-ca', caFile, '--token', api.info.token, ...ports.flatMap((p) => ['--port', String(p)])];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  let latest: Counts | undefined;
  const final = new Promise<Counts>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const msg = JSON.parse(line) as { progress?: Counts; final?: Counts };
      latest = msg.progress ?? msg.final ?? latest;
      if (msg.final) resolve(msg.final);
    });
    child.once('exit', (code) => reject(new Error(`client exited (${code}) without its counts`)));
  });
  final.catch(() => {});
  return {
    child,
    latest: () => latest,
    async stop() {
      child.stdin!.end('stop\n');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      try {
        return await final;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
