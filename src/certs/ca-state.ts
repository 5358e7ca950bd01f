import { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { errorMessage } from '../errors.ts';
import { joinPem, splitPemCertificates } from './pem.ts';
import type { CertAndKey } from './types.ts';
import { verifyCa } from './verify.ts';

// The shared CA state and its encoding as a key/value document (a Secret's
// data, or files). Decoding never throws: whatever is broken is reported and
// left out, so a corrupt document degrades into "start a new next CA" while
// the CAs already published stay trusted.

export interface CaEntry extends CertAndKey {
  fingerprint: string;
  notBefore: Date;
  notAfter: Date;
}

export interface NextCa extends CaEntry {
  /** When every caBundle target was confirmed (read back) to hold this CA. */
  publishedAt?: Date;
}

/** A former signing CA, still trusted until no leaf it signed can be served. */
export interface RetiredCa {
  cert: string;
  fingerprint: string;
  notAfter: Date;
  dropAfter: Date;
}

/** A CA removed from trust; remembered (until it expires) so it is also removed from every caBundle. */
export interface DroppedCa {
  fingerprint: string;
  notAfter: Date;
}

export interface CaState {
  /** Signs serving leaves. Absent at bootstrap and after losing the state. */
  current?: CaEntry;
  /** Being rolled out: trusted everywhere first, signing only after promotion. */
  next?: NextCa;
  retired: RetiredCa[];
  dropped: DroppedCa[];
}

export const STATE_KEYS = Object.freeze({
  /** The trust bundle: current, next, retired (what clients should trust). */
  bundle: 'ca.crt',
  key: 'ca.key',
  nextCert: 'next-ca.crt',
  nextKey: 'next-ca.key',
  rotation: 'rotation.json',
});

export interface DecodeOptions {
  now: Date;
  /** For a trusted CA found without a recorded drop time (state lost): keep it this long. */
  adoptRetiredForMs: number;
}

export interface DecodedCaState {
  state: CaState;
  /** Human-readable defects; non-empty means the document needs repair. */
  problems: string[];
}

const rotationSchema = z.object({
  v: z.literal(1),
  next: z.object({ fingerprint: z.string(), publishedAt: z.iso.datetime().optional() }).optional(),
  retired: z.array(z.object({ fingerprint: z.string(), dropAfter: z.iso.datetime() })),
  dropped: z.array(z.object({ fingerprint: z.string(), notAfter: z.iso.datetime() })),
});
type RotationRecord = z.infer<typeof rotationSchema>;

export function caEntry(pair: CertAndKey): CaEntry {
  const x = new X509Certificate(pair.cert);
  return { cert: x.toString(), key: pair.key, fingerprint: x.fingerprint256, notBefore: x.validFromDate, notAfter: x.validToDate };
}

/** Every CA clients must trust, in a stable order: current, next, retired. */
export function trustedCas(state: CaState): Array<{ cert: string; fingerprint: string }> {
  return [...(state.current ? [state.current] : []), ...(state.next ? [state.next] : []), ...state.retired];
}

export function decodeCaState(data: Record<string, string>, opts: DecodeOptions): DecodedCaState {
  const { now } = opts;
  const problems: string[] = [];
  const rotation = parseRotation(data[STATE_KEYS.rotation], problems);
  const dropped = rotation.dropped
    .map((d) => ({ fingerprint: d.fingerprint, notAfter: new Date(d.notAfter) }))
    .filter((d) => d.notAfter > now);
  const isDropped = (fp: string) => dropped.some((d) => d.fingerprint === fp);

  const bundle: X509Certificate[] = [];
  for (const pem of splitPemCertificates(data[STATE_KEYS.bundle] ?? '')) {
    try {
      bundle.push(new X509Certificate(pem));
    } catch (err) {
      problems.push(`${STATE_KEYS.bundle}: a certificate does not parse: ${errorMessage(err)}`);
    }
  }

  let current: CaEntry | undefined;
  const key = data[STATE_KEYS.key];
  if (key !== undefined) {
    for (const x of bundle) {
      if (isDropped(x.fingerprint256)) continue;
      try {
        verifyCa(x.toString(), now, key);
        current = caEntry({ cert: x.toString(), key });
        break;
      } catch {
        // not this one
      }
    }
    if (!current) problems.push(`${STATE_KEYS.key} matches no valid CA in ${STATE_KEYS.bundle}`);
  } else if (bundle.length > 0 && data[STATE_KEYS.nextCert] === undefined) {
    // (No current CA while a next one is rolled out is a normal recovery state.)
    problems.push(`${STATE_KEYS.key} is missing`);
  }

  let next: NextCa | undefined;
  const nextCert = data[STATE_KEYS.nextCert];
  const nextKey = data[STATE_KEYS.nextKey];
  if (nextCert !== undefined || nextKey !== undefined) {
    try {
      if (nextCert === undefined || nextKey === undefined) throw new Error('certificate or key missing');
      verifyCa(nextCert, now, nextKey);
      const entry = caEntry({ cert: nextCert, key: nextKey });
      if (entry.fingerprint === current?.fingerprint) throw new Error('it is the current CA');
      const publishedAt = rotation.next?.fingerprint === entry.fingerprint ? rotation.next.publishedAt : undefined;
      next = publishedAt ? { ...entry, publishedAt: new Date(publishedAt) } : entry;
    } catch (err) {
      problems.push(`next CA unusable: ${errorMessage(err)}`);
    }
  }

  const retired: RetiredCa[] = [];
  for (const x of bundle) {
    const fp = x.fingerprint256;
    if (fp === current?.fingerprint || fp === next?.fingerprint || isDropped(fp)) continue;
    if (retired.some((r) => r.fingerprint === fp)) continue;
    if (!x.ca || x.validToDate <= now) continue; // expired CAs simply leave the bundle
    const recorded = rotation.retired.find((r) => r.fingerprint === fp);
    let dropAfter: Date;
    if (recorded) {
      dropAfter = new Date(recorded.dropAfter);
    } else {
      problems.push(`trusted CA ${x.subject} had no recorded drop time; keeping it for now`);
      dropAfter = new Date(Math.min(x.validToDate.getTime(), now.getTime() + opts.adoptRetiredForMs));
    }
    retired.push({ cert: x.toString(), fingerprint: fp, notAfter: x.validToDate, dropAfter });
  }

  return { state: { ...(current && { current }), ...(next && { next }), retired, dropped }, problems };
}

/** Our keys only; keys for absent entries are left out. Deterministic for a given state. */
export function encodeCaState(state: CaState): Record<string, string> {
  const out: Record<string, string> = {};
  const trusted = trustedCas(state);
  if (trusted.length > 0) out[STATE_KEYS.bundle] = joinPem(trusted.map((c) => c.cert));
  if (state.current) out[STATE_KEYS.key] = state.current.key;
  if (state.next) {
    out[STATE_KEYS.nextCert] = state.next.cert;
    out[STATE_KEYS.nextKey] = state.next.key;
  }
  const rotation: RotationRecord = {
    v: 1,
    ...(state.next && {
      next: {
        fingerprint: state.next.fingerprint,
        ...(state.next.publishedAt && { publishedAt: state.next.publishedAt.toISOString() }),
      },
    }),
    retired: state.retired.map((r) => ({ fingerprint: r.fingerprint, dropAfter: r.dropAfter.toISOString() })),
    dropped: state.dropped.map((d) => ({ fingerprint: d.fingerprint, notAfter: d.notAfter.toISOString() })),
  };
  out[STATE_KEYS.rotation] = JSON.stringify(rotation);
  return out;
}

/** The document to write: foreign keys kept, our keys replaced (absent ones removed). */
export function mergeCaStateInto(doc: Record<string, string>, state: CaState): Record<string, string> {
  const ours = new Set<string>(Object.values(STATE_KEYS));
  const kept = Object.fromEntries(Object.entries(doc).filter(([k]) => !ours.has(k)));
  return { ...kept, ...encodeCaState(state) };
}

function parseRotation(text: string | undefined, problems: string[]): RotationRecord {
  const empty: RotationRecord = { v: 1, retired: [], dropped: [] };
  if (text === undefined) return empty;
  try {
    // Read once per state change: zod's compiled fast path would cost more to build than it saves.
    const parsed = rotationSchema.safeParse(JSON.parse(text), { jitless: true });
    if (parsed.success) return parsed.data;
    problems.push(`${STATE_KEYS.rotation} is malformed: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  } catch (err) {
    problems.push(`${STATE_KEYS.rotation} is not JSON: ${errorMessage(err)}`);
  }
  return empty;
}
