import { X509Certificate } from 'node:crypto';
import type { CaView, TargetReport } from './ca-machine.ts';
import type { Leaf } from './serving-machine.ts';

// What `status()` of a rotator reports (the ops endpoint, `kadmit certs`):
// the CAs of the state held, this replica's leaf, the caBundle fields as last
// read back and the last failure.

export interface CertSummary {
  subject: string;
  fingerprint: string;
  notBefore: string;
  notAfter: string;
}

export interface RotatorStatus {
  ca?: CertSummary;
  nextCa?: CertSummary & { publishedAt?: string };
  retired: Array<{ fingerprint: string; notAfter: string; dropAfter: string }>;
  serving?: CertSummary & { issuerFingerprint: string; subjectAltName?: string };
  /** The caBundle fields as last read back, with the kadmit CAs each holds. */
  targets: TargetReport[];
  lastError?: { operation: string; message: string; at: string };
  consecutiveFailures: number;
}

export interface StatusInput {
  view: CaView | undefined;
  leaf: Leaf | undefined;
  targets: TargetReport[];
  lastError: RotatorStatus['lastError'];
  failures: number;
}

export function rotatorStatus({ view, leaf, targets, lastError, failures }: StatusInput): RotatorStatus {
  const state = view?.state;
  return {
    ...(state?.current && { ca: summary(state.current) }),
    ...(state?.next && {
      nextCa: { ...summary(state.next), ...(state.next.publishedAt && { publishedAt: state.next.publishedAt.toISOString() }) },
    }),
    retired: (state?.retired ?? []).map((r) => ({
      fingerprint: r.fingerprint,
      notAfter: r.notAfter.toISOString(),
      dropAfter: r.dropAfter.toISOString(),
    })),
    ...(leaf && {
      serving: {
        subject: leaf.facts.subject,
        fingerprint: leaf.facts.fingerprint256,
        notBefore: leaf.facts.notBefore.toISOString(),
        notAfter: leaf.facts.notAfter.toISOString(),
        issuerFingerprint: leaf.issuerFingerprint,
        ...(leaf.facts.subjectAltName && { subjectAltName: leaf.facts.subjectAltName }),
      },
    }),
    targets,
    ...(lastError && { lastError }),
    consecutiveFailures: failures,
  };
}

/** The subject of a PEM certificate on one line. */
export function subjectOf(pem: string): string {
  return new X509Certificate(pem).subject.replaceAll('\n', ', ');
}

function summary(c: { cert: string; fingerprint: string; notBefore: Date; notAfter: Date }): CertSummary {
  return {
    subject: subjectOf(c.cert),
    fingerprint: c.fingerprint,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
  };
}
