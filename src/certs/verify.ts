import { X509Certificate, createPrivateKey } from 'node:crypto';
import { isIP } from 'node:net';
import { KadmitError, errorMessage } from '../errors.ts';
import { splitPemCertificates } from './pem.ts';

// Every certificate kadmit generates or loads passes through here before use,
// checked by Node's own X.509 code (OpenSSL), independently of forge which
// built it.

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

export interface CertificateFacts {
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  fingerprint256: string;
  subjectAltName: string | undefined;
}

export interface VerifyServingInput {
  cert: string;
  key: string;
  /** One or more CA certificates (PEM bundle); the leaf must be issued by one of them. */
  ca: string;
  /** Names the certificate must be valid for (DNS names or IP addresses). */
  hosts: readonly string[];
  now?: Date;
}

export interface VerifiedServing {
  leaf: CertificateFacts;
  /** The CA (from the bundle) that signed the leaf. */
  issuer: CertificateFacts;
}

/** Checks a CA certificate: self-consistent, a CA, valid now. Throws KADMIT_CERT_INVALID. */
export function verifyCa(caPem: string, now = new Date(), key?: string): CertificateFacts {
  const ca = parse(caPem, 'CA');
  if (!ca.ca) invalid(`CA certificate ${ca.subject} is not a CA (basicConstraints CA:false)`);
  if (!ca.checkIssued(ca) || !ca.verify(ca.publicKey)) invalid(`CA certificate ${ca.subject} is not self-signed`);
  checkWindow(ca, now, 'CA');
  if (key !== undefined) checkKey(ca, key, 'CA');
  return facts(ca);
}

/** Checks a serving pair against a CA bundle. Throws KADMIT_CERT_INVALID. */
export function verifyServing(input: VerifyServingInput): VerifiedServing {
  const now = input.now ?? new Date();
  const leaf = checkLeaf(input.cert, input.key, input.hosts, now);
  const cas = splitPemCertificates(input.ca).map((pem) => parse(pem, 'CA'));
  if (cas.length === 0) invalid('the CA bundle holds no certificate');
  const issuer = cas.find((ca) => ca.ca && leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
  if (!issuer) invalid(`the serving certificate (issuer ${leaf.issuer}) was not signed by any CA in the bundle`);
  checkWindow(issuer, now, 'issuing CA');
  return { leaf: facts(leaf), issuer: facts(issuer) };
}

export interface VerifyPairInput {
  /** Leaf first; intermediates may follow (they are served as the chain). */
  cert: string;
  key: string;
  hosts?: readonly string[];
  now?: Date;
}

/**
 * Checks a serving pair whose issuer kadmit does not manage (external mode):
 * parses, key matches, valid now, names covered. The chain is the provider's.
 */
export function verifyPair(input: VerifyPairInput): CertificateFacts {
  return facts(checkLeaf(input.cert, input.key, input.hosts ?? [], input.now ?? new Date()));
}

/** A serving leaf on its own: not a CA, usable for TLS servers, valid now, its key, its names. */
function checkLeaf(cert: string, key: string, hosts: readonly string[], now: Date): X509Certificate {
  const leaf = parse(cert, 'serving');
  if (leaf.ca) invalid('the serving certificate is a CA certificate');
  // No extKeyUsage means any purpose (RFC 5280); if present it must allow TLS servers.
  const eku = leaf.keyUsage;
  if (eku && eku.length > 0 && !eku.includes(SERVER_AUTH)) invalid('the serving certificate lacks extKeyUsage serverAuth');
  checkWindow(leaf, now, 'serving');
  checkKey(leaf, key, 'serving');
  for (const host of hosts) {
    const ok = isIP(host) ? leaf.checkIP(host) !== undefined : leaf.checkHost(host, { subject: 'never' }) !== undefined;
    if (!ok) invalid(`the serving certificate is not valid for ${host}`);
  }
  return leaf;
}

function parse(pem: string, role: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (err) {
    return invalid(`the ${role} certificate does not parse: ${errorMessage(err)}`);
  }
}

function checkWindow(cert: X509Certificate, now: Date, role: string): void {
  if (now < cert.validFromDate) invalid(`the ${role} certificate is not valid before ${cert.validFromDate.toISOString()}`);
  if (now >= cert.validToDate) invalid(`the ${role} certificate expired at ${cert.validToDate.toISOString()}`);
}

function checkKey(cert: X509Certificate, keyPem: string, role: string): void {
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch (err) {
    invalid(`the ${role} private key does not parse: ${errorMessage(err)}`);
  }
  if (!cert.checkPrivateKey(key)) invalid(`the ${role} private key does not match its certificate`);
}

function facts(cert: X509Certificate): CertificateFacts {
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    serialNumber: cert.serialNumber.toLowerCase(),
    notBefore: cert.validFromDate,
    notAfter: cert.validToDate,
    fingerprint256: cert.fingerprint256,
    subjectAltName: cert.subjectAltName,
  };
}

function invalid(message: string): never {
  throw new KadmitError('KADMIT_CERT_INVALID', message);
}
