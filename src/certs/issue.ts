import type forge from 'node-forge';
import { KadmitError, errorMessage } from '../errors.ts';
import { generateRsaKeyPair, type PemKeyPair } from './keys.ts';
import { randomSerialHex } from './serial.ts';
import { signCertificate } from './sign.ts';
import type { CertAndKey } from './types.ts';

// Issues the two kinds of certificates kadmit uses: a private CA (pathLen 0,
// it only ever signs kadmit's own serving leaves) and serving leaves.

/** node-forge (42 modules) is loaded when a certificate is issued: a replica whose certificates are current never loads it. */
async function loadForge(): Promise<typeof forge> {
  return (await import('node-forge')).default;
}

export interface IssuedCertificate extends CertAndKey {
  notBefore: Date;
  notAfter: Date;
  /** Hex, lower case, as encoded. */
  serialNumber: string;
}

export interface CaSpec {
  lifetimeMs: number;
  backdateMs: number;
  /** Default: `kadmit-ca-<unix seconds>` (no `@`: Go parses CN as PrintableString), so successive CAs have distinct subjects. */
  commonName?: string;
  now?: Date;
  modulusLength?: number;
  /** A key pair generated ahead (see KeyReserve); default: a new one of modulusLength bits. */
  keys?: PemKeyPair;
}

export interface ServingSpec {
  /** The issuing CA (its certificate and private key, PEM). */
  ca: CertAndKey;
  dnsNames: readonly string[];
  ipAddresses?: readonly string[];
  lifetimeMs: number;
  backdateMs: number;
  /** Default: the first DNS name. Clients ignore it; SANs are what count. */
  commonName?: string;
  /** Default serverAuth; clientAuth for a TLS client certificate (e.g. the readiness self-check's). */
  extKeyUsage?: 'serverAuth' | 'clientAuth';
  now?: Date;
  modulusLength?: number;
  /** A key pair generated ahead (see KeyReserve); default: a new one of modulusLength bits. */
  keys?: PemKeyPair;
}

export async function issueCa(spec: CaSpec): Promise<IssuedCertificate> {
  try {
    const now = spec.now ?? new Date();
    const forge = await loadForge();
    const keys = spec.keys ?? (await generateRsaKeyPair(spec.modulusLength));
    const cert = forge.pki.createCertificate();
    cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKey);
    const { notBefore, notAfter } = validity(now, spec.backdateMs, spec.lifetimeMs);
    cert.serialNumber = randomSerialHex();
    cert.validity.notBefore = notBefore;
    cert.validity.notAfter = notAfter;
    const name = [
      { shortName: 'O', value: 'kadmit' },
      { shortName: 'CN', value: spec.commonName ?? `kadmit-ca-${Math.floor(now.getTime() / 1000)}` },
    ];
    cert.setSubject(name);
    cert.setIssuer(name);
    const ski = cert.generateSubjectKeyIdentifier().getBytes();
    cert.setExtensions([
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      { name: 'subjectKeyIdentifier' },
      // Self-signed: the authority is itself. Set explicitly, never `true`.
      { name: 'authorityKeyIdentifier', keyIdentifier: ski },
    ]);
    await signCertificate(cert, keys.privateKey);
    return done(forge, cert, keys.privateKey);
  } catch (err) {
    throw issueError('CA', err);
  }
}

export async function issueServing(spec: ServingSpec): Promise<IssuedCertificate> {
  if (spec.dnsNames.length === 0) {
    throw new KadmitError('KADMIT_CERT_ISSUE', 'a serving certificate needs at least one DNS name');
  }
  try {
    const now = spec.now ?? new Date();
    const forge = await loadForge();
    const caCert = forge.pki.certificateFromPem(spec.ca.cert);
    const keys = spec.keys ?? (await generateRsaKeyPair(spec.modulusLength));
    const cert = forge.pki.createCertificate();
    cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKey);
    cert.serialNumber = randomSerialHex();
    const v = validity(now, spec.backdateMs, spec.lifetimeMs);
    // A leaf never outlives its CA: past that point no client could verify it.
    const caNotAfter = caCert.validity.notAfter;
    cert.validity.notBefore = v.notBefore;
    cert.validity.notAfter = v.notAfter > caNotAfter ? caNotAfter : v.notAfter;
    cert.setSubject([{ shortName: 'CN', value: spec.commonName ?? spec.dnsNames[0]! }]);
    cert.setIssuer(caCert.subject.attributes);
    const altNames = [
      ...spec.dnsNames.map((value) => ({ type: 2, value })),
      ...(spec.ipAddresses ?? []).map((ip) => ({ type: 7, ip })),
    ];
    cert.setExtensions([
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', [spec.extKeyUsage ?? 'serverAuth']: true },
      { name: 'subjectAltName', altNames },
      { name: 'subjectKeyIdentifier' },
      // forge's `keyIdentifier: true` would take the leaf's own key id.
      { name: 'authorityKeyIdentifier', keyIdentifier: subjectKeyIdOf(caCert) },
    ]);
    await signCertificate(cert, spec.ca.key);
    return done(forge, cert, keys.privateKey);
  } catch (err) {
    throw issueError('serving', err);
  }
}

/** The CA's subject key identifier as it appears in the CA certificate (binary string). */
export function subjectKeyIdOf(cert: forge.pki.Certificate): string {
  const ext = cert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | undefined;
  if (ext?.subjectKeyIdentifier) return Buffer.from(ext.subjectKeyIdentifier, 'hex').toString('binary');
  return cert.generateSubjectKeyIdentifier().getBytes();
}

function validity(now: Date, backdateMs: number, lifetimeMs: number): { notBefore: Date; notAfter: Date } {
  // X.509 times have whole seconds; truncate so what we report is what is encoded.
  // NotBefore rounds down and NotAfter up: the certificate covers at least the
  // requested interval (rounding both down could cut a short life by a second).
  const t = now.getTime();
  return {
    notBefore: new Date(Math.floor((t - backdateMs) / 1000) * 1000),
    notAfter: new Date(Math.ceil((t + lifetimeMs) / 1000) * 1000),
  };
}

function done(lib: typeof forge, cert: forge.pki.Certificate, keyPem: string): IssuedCertificate {
  return {
    // forge writes CRLF line ends; Node and most tools write LF. One form, so
    // bundles compare equal byte for byte.
    cert: lib.pki.certificateToPem(cert).replaceAll('\r\n', '\n'),
    key: keyPem,
    notBefore: cert.validity.notBefore,
    notAfter: cert.validity.notAfter,
    serialNumber: cert.serialNumber,
  };
}

function issueError(what: string, err: unknown): KadmitError {
  if (err instanceof KadmitError) return err;
  return new KadmitError('KADMIT_CERT_ISSUE', `issuing the ${what} certificate failed: ${errorMessage(err)}`, {
    cause: err,
  });
}
