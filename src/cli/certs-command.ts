// `kadmit certs inspect`: what certificates kadmit holds and where each CA is
// published, read from the same store `kadmit serve` uses (the cert directory,
// or the Secret and the caBundle fields through the API). Read-only.
import { X509Certificate } from 'node:crypto';
import { loadServeConfig, UsageError } from '../config/load.ts';
import type { ServeConfig } from '../config/options.ts';
import { KadmitError } from '../errors.ts';
import { isOwnCa } from '../certs/bundle.ts';
import { FileDocumentStore } from '../certs/file-document-store.ts';
import { FILE_NAMES } from '../certs/file-store.ts';
import { inspectDocument, type Inventory, type InventoryEntry } from '../certs/inspect.ts';
import { splitPemCertificates } from '../certs/pem.ts';
import type { CaBundleField } from '../certs/ports.ts';
import { targetSelectors } from './serving-certs.ts';
import type { CliIo } from './io.ts';

export function certsHelp(): string {
  return [
    'Usage: kadmit certs inspect [options]',
    '',
    'Prints the certificates kadmit manages: roles (ca, next-ca, retired-ca, serving),',
    'subjects, SANs, validity, SHA-256 fingerprints, and where each CA is published.',
    'Reads the store `kadmit serve` uses, with the same settings (flags, KADMIT_* variables,',
    '--config file):',
    '  --cert-store file     the files under --cert-dir (default certs)',
    '  --cert-store secret   the Secret (--cert-secret, default <service-name>-ca) in --namespace',
    '                        and the caBundle fields (--ca-bundle-target), via --kubeconfig',
    '',
    '  --json                machine-readable output',
    '  --help                show this help',
    '',
    'In secret mode each replica keeps its serving certificate in memory: see its /debug/certs.',
  ].join('\n');
}

interface FieldReport {
  id: string;
  certificates: Array<{ fingerprint256: string; subject: string; role: string }>;
}

export interface InspectReport {
  store: { kind: 'file'; dir: string } | { kind: 'secret'; namespace: string; name: string };
  entries: InventoryEntry[];
  fields: FieldReport[];
  problems: string[];
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout.write(`${certsHelp()}\n`);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'inspect') throw new UsageError(`unknown certs command "${sub}"\n\n${certsHelp()}`);
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${certsHelp()}\n`);
    return 0;
  }
  const json = rest.includes('--json');
  const config = loadServeConfig(rest.filter((a) => a !== '--json'), io.env);
  const report = await inspect(config);
  io.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report, new Date()));
  return 0;
}

export async function inspect(config: ServeConfig, now = new Date()): Promise<InspectReport> {
  if (config.certStore === 'external') {
    throw new UsageError('--cert-store external: the provider (e.g. cert-manager) owns those certificates; inspect --tls-cert-file with its tools');
  }
  if (config.certStore === 'file') {
    const doc = await new FileDocumentStore(config.certDir).read();
    if (!doc) throw new KadmitError('KADMIT_CERT_STORE', `no certificates in ${config.certDir} (kadmit serve creates them there)`);
    // In file mode clients trust the ca.crt file itself: that is where CAs are published.
    const fields = [{ id: `${config.certDir}/${FILE_NAMES.ca}`, bundle: doc.data[FILE_NAMES.ca] ?? '' }];
    return report({ kind: 'file', dir: config.certDir }, inspectDocument(doc.data, { now, fields }), fields);
  }

  // The Kubernetes client is loaded only in this mode (it costs a second to import).
  const { loadKubeConfig, createKube, closeKubeConnections } = await import('../kube/index.ts');
  const { createSecretDocumentStore } = await import('../certs/kube-secret-store.ts');
  const { createKubeBundleTargets } = await import('../certs/kube-bundle-targets.ts');
  const kc = loadKubeConfig(config.kubeconfig === '' ? {} : { path: config.kubeconfig });
  const kube = createKube(kc);
  const name = config.certSecret === '' ? `${config.serviceName}-ca` : config.certSecret;
  try {
    const [doc, fields] = await Promise.all([
      createSecretDocumentStore({ kube, namespace: config.namespace, name }).read(),
      createKubeBundleTargets({ kube, selectors: targetSelectors(config) }).read(),
    ]);
    if (!doc) throw new KadmitError('KADMIT_CERT_STORE', `Secret ${config.namespace}/${name} does not exist (kadmit serve creates it)`);
    const inventory = inspectDocument(doc.data, { now, fields });
    if (fields.length === 0) inventory.problems.push('no caBundle field found for the configured targets');
    return report({ kind: 'secret', namespace: config.namespace, name }, inventory, fields);
  } finally {
    await closeKubeConnections(kc);
  }
}

function report(store: InspectReport['store'], inventory: Inventory, fields: readonly CaBundleField[]): InspectReport {
  const roleOf = new Map(inventory.entries.map((e) => [e.fingerprint256, e.role]));
  const problems = [...inventory.problems];
  const fieldReports = fields.map((f) => ({
    id: f.id,
    certificates: splitPemCertificates(f.bundle).flatMap((pem) => {
      try {
        const x = new X509Certificate(pem);
        const role = roleOf.get(x.fingerprint256) ?? (isOwnCa(x) ? 'kadmit CA no longer in the state' : 'not kadmit\'s');
        return [{ fingerprint256: x.fingerprint256, subject: x.subject.replaceAll('\n', ', '), role }];
      } catch {
        problems.push(`${f.id}: a certificate does not parse`);
        return [];
      }
    }),
  }));
  // The CA that signs must be trusted everywhere, or calls through that field fail.
  const ca = inventory.entries.find((e) => e.role === 'ca');
  for (const f of fieldReports) {
    if (ca && !f.certificates.some((c) => c.fingerprint256 === ca.fingerprint256)) problems.push(`${f.id} does not hold the current CA`);
  }
  return { store, entries: inventory.entries, fields: fieldReports, problems };
}

export function renderReport(r: InspectReport, now: Date): string {
  const out: string[] = [];
  out.push(r.store.kind === 'file' ? `Store: directory ${r.store.dir}` : `Store: Secret ${r.store.namespace}/${r.store.name}`);
  if (r.entries.length === 0) out.push('', 'No certificates.');
  for (const e of r.entries) {
    out.push('', `${e.role}: ${e.subject}`);
    if (e.role === 'serving') out.push(`  issuer       ${e.issuer}`);
    if (e.subjectAltName) out.push(`  SANs         ${e.subjectAltName}`);
    out.push(`  valid        ${e.notBefore} .. ${e.notAfter} (${remaining(e.notAfter, now)})`);
    out.push(`  serial       ${e.serialNumber}`);
    out.push(`  sha256       ${e.fingerprint256}`);
    if (e.publishedAt) out.push(`  published at ${e.publishedAt} (every caBundle held it)`);
    if (e.dropAfter) out.push(`  drop after   ${e.dropAfter}`);
    if (e.publishedIn) out.push(`  published in ${e.publishedIn.length > 0 ? e.publishedIn.join(', ') : 'nothing'}`);
  }
  if (r.store.kind === 'secret') out.push('', 'serving: each replica keeps its own in memory (see its /debug/certs)');
  out.push('', r.store.kind === 'file' ? 'Trust file (what clients trust):' : 'caBundle fields (what the apiserver trusts):');
  if (r.fields.length === 0) out.push('  (none)');
  for (const f of r.fields) {
    out.push(`  ${f.id}`);
    if (f.certificates.length === 0) out.push('    (empty)');
    for (const c of f.certificates) out.push(`    ${c.role.padEnd(12)} ${c.subject} ${c.fingerprint256.slice(0, 23)}...`);
  }
  if (r.problems.length > 0) out.push('', 'Problems:', ...r.problems.map((p) => `  - ${p}`));
  return `${out.join('\n')}\n`;
}

function remaining(notAfter: string, now: Date): string {
  const ms = Date.parse(notAfter) - now.getTime();
  if (ms <= 0) return 'expired';
  const s = Math.floor(ms / 1000);
  const [d, h, m] = [Math.floor(s / 86_400), Math.floor((s % 86_400) / 3600), Math.floor((s % 3600) / 60)];
  return `expires in ${d > 0 ? `${d}d ${h}h` : h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${s % 60}s` : `${s}s`}`;
}
