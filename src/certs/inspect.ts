import { X509Certificate } from 'node:crypto';
import { bundleFingerprints } from './bundle.ts';
import { decodeCaState } from './ca-state.ts';
import type { CaBundleField } from './ports.ts';
import { SERVING_KEYS } from './serving-machine.ts';

// What `kadmit certs inspect` prints: every certificate kadmit knows about in
// a state document (Secret data or the certs/ directory), by role, and where
// each CA is published.

export type InventoryRole = 'ca' | 'next-ca' | 'retired-ca' | 'serving';

export interface InventoryEntry {
  role: InventoryRole;
  subject: string;
  subjectAltName?: string;
  issuer: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  fingerprint256: string;
  /** For CAs: the caBundle fields holding it (when fields were given). */
  publishedIn?: string[];
  /** Role-specific times: publishedAt (next CA), dropAfter (retired CA). */
  publishedAt?: string;
  dropAfter?: string;
}

export interface Inventory {
  entries: InventoryEntry[];
  problems: string[];
}

export function inspectDocument(data: Record<string, string>, opts: { now?: Date; fields?: readonly CaBundleField[] } = {}): Inventory {
  const now = opts.now ?? new Date();
  const { state, problems } = decodeCaState(data, { now, adoptRetiredForMs: 0 });
  const entries: InventoryEntry[] = [];
  const where = (fp: string) =>
    opts.fields ? opts.fields.filter((f) => bundleFingerprints(f.bundle).includes(fp)).map((f) => f.id) : undefined;
  const add = (role: InventoryRole, pem: string, extra: Partial<InventoryEntry> = {}) => {
    const x = new X509Certificate(pem);
    const published = role === 'serving' ? undefined : where(x.fingerprint256);
    entries.push({
      role,
      subject: x.subject.replaceAll('\n', ', '),
      ...(x.subjectAltName && { subjectAltName: x.subjectAltName }),
      issuer: x.issuer.replaceAll('\n', ', '),
      serialNumber: x.serialNumber.toLowerCase(),
      notBefore: x.validFromDate.toISOString(),
      notAfter: x.validToDate.toISOString(),
      fingerprint256: x.fingerprint256,
      ...(published && { publishedIn: published }),
      ...extra,
    });
  };
  if (state.current) add('ca', state.current.cert);
  if (state.next) add('next-ca', state.next.cert, state.next.publishedAt ? { publishedAt: state.next.publishedAt.toISOString() } : {});
  for (const r of state.retired) add('retired-ca', r.cert, { dropAfter: r.dropAfter.toISOString() });
  const serving = data[SERVING_KEYS.cert];
  if (serving) {
    try {
      add('serving', serving);
    } catch {
      problems.push(`${SERVING_KEYS.cert} does not parse`);
    }
  }
  return { entries, problems };
}
