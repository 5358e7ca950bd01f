import { join } from 'node:path';
import type { Logger } from 'pino';
import { KadmitError, errorMessage } from '../errors.ts';
import { FileDocumentStore } from './file-document-store.ts';
import { issueCa, issueServing } from './issue.ts';
import { servingNames } from './names.ts';
import { splitPemCertificates } from './pem.ts';
import { isDueForRenewal } from './renewal.ts';
import { resolveLifetimes } from './types.ts';
import type { CertAndKey, CertLifetimes, ServingMaterial } from './types.ts';
import { verifyCa, verifyServing } from './verify.ts';
import type { CertificateFacts } from './verify.ts';
import type { VersionedDocument } from './ports.ts';
import { createCertRotator } from './rotator.ts';
import type { CertRotator, RotatorOptions } from './rotator.ts';

// The local default: CA and serving pair as files under one directory.
// Reuse what is there when it verifies; re-issue only the serving pair when
// the CA is still good (the trust users installed stays valid); otherwise
// create everything. The CA key is kept (ca.key) so the pair can be renewed.

export const FILE_NAMES = Object.freeze({
  ca: 'ca.crt',
  caKey: 'ca.key',
  cert: 'tls.crt',
  key: 'tls.key',
});

export interface FileCertificatesOptions {
  dir: string;
  serviceName: string;
  namespace: string;
  /** Extra SANs; IP literals become IP SANs. */
  extraDnsNames?: readonly string[];
  /** Add localhost, 127.0.0.1 and ::1 (default true: the file store is the local mode). */
  local?: boolean;
  lifetimes?: Partial<CertLifetimes>;
  log: Logger;
  now?: () => Date;
}

export type FileCertificatesAction = 'reused' | 'reissued-serving' | 'created';

export interface FileCertificates {
  material: ServingMaterial;
  caPath: string;
  certPath: string;
  keyPath: string;
  /** True when anything was written. */
  created: boolean;
  action: FileCertificatesAction;
  serving: CertificateFacts;
  /** The CA that signed the serving certificate. */
  ca: CertificateFacts;
}

interface FileSet {
  ca?: string;
  caKey?: string;
  cert?: string;
  key?: string;
}

export async function loadOrCreateFileCertificates(opts: FileCertificatesOptions): Promise<FileCertificates> {
  const { dir, log } = opts;
  const now = opts.now ?? (() => new Date());
  const lifetimes = resolveLifetimes(opts.lifetimes);
  const names = servingNames({
    serviceName: opts.serviceName,
    namespace: opts.namespace,
    local: opts.local ?? true,
    extraNames: opts.extraDnsNames,
  });
  const hosts = [...names.dnsNames, ...names.ipAddresses];
  const store = new FileDocumentStore(dir);
  const doc = await readStore(store);
  const files: FileSet = {
    ca: doc?.data[FILE_NAMES.ca],
    caKey: doc?.data[FILE_NAMES.caKey],
    cert: doc?.data[FILE_NAMES.cert],
    key: doc?.data[FILE_NAMES.key],
  };

  const signer = findSigningCa(files, now(), log);
  const current = tryVerifyServing(files, hosts, now(), log);
  if (current && !isDueForRenewal(current.leaf, now())) {
    if (!signer) log.warn({ dir }, 'certificates reused without a usable ca.key: they cannot be renewed in place');
    return result(opts, files as Required<FileSet>, 'reused', current);
  }

  let next: Required<FileSet>;
  let action: FileCertificatesAction;
  if (signer) {
    const leaf = await issueServing({ ca: signer, ...names, ...leafLifetimes(lifetimes), now: now() });
    next = { ca: files.ca!, caKey: signer.key, cert: leaf.cert, key: leaf.key };
    action = 'reissued-serving';
  } else {
    const ca = await issueCa({ lifetimeMs: lifetimes.caMs, backdateMs: lifetimes.backdateMs, now: now() });
    const leaf = await issueServing({ ca, ...names, ...leafLifetimes(lifetimes), now: now() });
    next = { ca: ca.cert, caKey: ca.key, cert: leaf.cert, key: leaf.key };
    action = 'created';
  }
  // Checked before anything is written or served.
  const verified = verifyServing({ cert: next.cert, key: next.key, ca: next.ca, hosts, now: now() });
  // Re-issuing the leaf keeps the rest of the directory (rotation state);
  // a new CA starts a new directory content.
  const data = action === 'created' ? toData(next) : { ...doc?.data, ...toData(next) };
  await writeStore(store, doc, data);
  log.info(
    { dir, action, caPath: join(dir, FILE_NAMES.ca), notAfter: verified.leaf.notAfter.toISOString() },
    action === 'created' ? 'created a CA and serving certificate' : 'issued a new serving certificate',
  );
  return result(opts, next, action, verified);
}

function toData(set: Required<FileSet>): Record<string, string> {
  return { [FILE_NAMES.ca]: set.ca, [FILE_NAMES.caKey]: set.caKey, [FILE_NAMES.cert]: set.cert, [FILE_NAMES.key]: set.key };
}

async function readStore(store: FileDocumentStore): Promise<VersionedDocument | undefined> {
  try {
    return await store.read();
  } catch (err) {
    throw new KadmitError('KADMIT_CERT_STORE', `reading certificates from ${store.dir} failed: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

async function writeStore(
  store: FileDocumentStore,
  doc: VersionedDocument | undefined,
  data: Record<string, string>,
): Promise<void> {
  try {
    await (doc ? store.replace(data, doc.version) : store.create(data));
  } catch (err) {
    throw new KadmitError('KADMIT_CERT_STORE', `writing certificates to ${store.dir} failed: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

// The CA in ca.crt whose key is ca.key, if it is a valid CA now.
function findSigningCa(files: FileSet, now: Date, log: Logger): CertAndKey | undefined {
  if (!files.ca || !files.caKey) return undefined;
  const errors: string[] = [];
  for (const pem of splitPemCertificates(files.ca)) {
    try {
      verifyCa(pem, now, files.caKey);
      return { cert: pem, key: files.caKey };
    } catch (err) {
      errors.push(errorMessage(err));
    }
  }
  log.warn({ reasons: errors }, 'no usable CA in the certificate directory');
  return undefined;
}

function tryVerifyServing(files: FileSet, hosts: string[], now: Date, log: Logger) {
  if (!files.ca || !files.cert || !files.key) return undefined;
  try {
    return verifyServing({ cert: files.cert, key: files.key, ca: files.ca, hosts, now });
  } catch (err) {
    log.warn({ reason: errorMessage(err) }, 'the serving certificate on disk is not usable');
    return undefined;
  }
}

function leafLifetimes(l: CertLifetimes) {
  return { lifetimeMs: l.servingMs, backdateMs: l.backdateMs };
}

function result(
  opts: FileCertificatesOptions,
  set: Required<FileSet>,
  action: FileCertificatesAction,
  verified: ReturnType<typeof verifyServing>,
): FileCertificates {
  return {
    material: { key: set.key, cert: set.cert, ca: set.ca },
    caPath: join(opts.dir, FILE_NAMES.ca),
    certPath: join(opts.dir, FILE_NAMES.cert),
    keyPath: join(opts.dir, FILE_NAMES.key),
    created: action !== 'reused',
    action,
    serving: verified.leaf,
    ca: verified.issuer,
  };
}

export type FileRotatorOptions = Omit<RotatorOptions, 'store' | 'persistServing'> & { dir: string };

/**
 * The file store under the rotation engine: CA state and the serving pair in
 * `dir` (ca.crt is the trust bundle, also during a CA rollover), rotated in
 * place. Reads the phase-1 layout (ca.crt, ca.key, tls.crt, tls.key) as is.
 */
export function createFileCertRotator(opts: FileRotatorOptions): CertRotator & { caPath: string } {
  const { dir, ...rest } = opts;
  const rotator = createCertRotator({ ...rest, local: opts.local ?? true, store: new FileDocumentStore(dir), persistServing: true });
  return Object.assign(rotator, { caPath: join(dir, FILE_NAMES.ca) });
}
