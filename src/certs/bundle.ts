import { X509Certificate } from 'node:crypto';
import { joinPem, splitPemCertificates } from './pem.ts';

// caBundle edits. A bundle is merged, never replaced: certificates others put
// there stay; kadmit only appends the CAs it trusts and removes its own CAs
// once dropped (or expired).

interface BundleCert {
  pem: string;
  /** undefined when the block does not parse: kept as is, it is not ours. */
  x509: X509Certificate | undefined;
}

const OWN_CA_CN = /(^|\n|, ?)CN=kadmit-ca-\d+($|\n|,)/;

/** kadmit's CAs carry the CN `kadmit-ca-<unix seconds>` (see issueCa). */
export function isOwnCa(x: X509Certificate): boolean {
  return x.ca && OWN_CA_CN.test(x.subject);
}

function parseBundle(bundle: string): BundleCert[] {
  return splitPemCertificates(bundle).map((pem) => {
    try {
      return { pem, x509: new X509Certificate(pem) };
    } catch {
      return { pem, x509: undefined };
    }
  });
}

export function bundleFingerprints(bundle: string): string[] {
  return parseBundle(bundle).flatMap((c) => (c.x509 ? [c.x509.fingerprint256] : []));
}

export function bundleHolds(bundle: string, fingerprints: readonly string[]): boolean {
  const have = new Set(bundleFingerprints(bundle));
  return fingerprints.every((fp) => have.has(fp));
}

export interface BundleEdit {
  trusted: ReadonlyArray<{ cert: string; fingerprint: string }>;
  /** Fingerprints of kadmit CAs that were dropped from trust. */
  dropped: ReadonlySet<string>;
  now: Date;
}

/** The bundle this field should hold, or undefined when it already holds the right set. */
export function editBundle(existing: string, edit: BundleEdit): string | undefined {
  const kept: BundleCert[] = [];
  const seen = new Set<string>();
  let removed = false;
  for (const c of parseBundle(existing)) {
    const fp = c.x509?.fingerprint256;
    const drop =
      fp !== undefined &&
      (seen.has(fp) || edit.dropped.has(fp) || (isOwnCa(c.x509!) && c.x509!.validToDate <= edit.now));
    if (drop) {
      removed = true;
      continue;
    }
    if (fp) seen.add(fp);
    kept.push(c);
  }
  const added = edit.trusted.filter((t) => !seen.has(t.fingerprint));
  if (!removed && added.length === 0) return undefined;
  return joinPem([...kept.map((c) => c.pem), ...added.map((t) => t.cert)]);
}

/** kadmit CAs found in bundles, e.g. to keep trusting them after the state was lost. */
export function ownCasIn(bundles: readonly string[], now: Date): X509Certificate[] {
  const found = new Map<string, X509Certificate>();
  for (const b of bundles) {
    for (const c of parseBundle(b)) {
      if (c.x509 && isOwnCa(c.x509) && c.x509.validToDate > now) found.set(c.x509.fingerprint256, c.x509);
    }
  }
  return [...found.values()];
}
