import type { ServingMaterial } from './types.ts';

// The small interfaces through which the rotation engine meets the rest of
// kadmit. src/kube implements the Kubernetes ones, the transport the sink;
// tests use in-memory fakes. Nothing here knows about HTTP or the API client.

/**
 * A small versioned key/value document: a Secret's `data` (decoded), or a
 * directory of files. Every write is conditional.
 */
export interface StateDocumentStore {
  /** undefined when the document does not exist. */
  read(): Promise<VersionedDocument | undefined>;
  /** Throws KadmitError KADMIT_STATE_CONFLICT when it already exists (AlreadyExists). */
  create(data: Record<string, string>): Promise<VersionedDocument>;
  /**
   * Replaces the document only if it is still at `version` (resourceVersion
   * precondition). Throws KADMIT_STATE_CONFLICT on a stale version (409) and
   * KADMIT_STATE_MISSING when the document is gone (404).
   */
  replace(data: Record<string, string>, version: string): Promise<VersionedDocument>;
  /** Calls `onChange` whenever the document may have changed; returns an unsubscribe. */
  watch?(onChange: () => void): () => void;
}

export interface VersionedDocument {
  data: Record<string, string>;
  version: string;
}

/** One caBundle field, e.g. `validating/kadmit/webhooks/0`. Bundles are PEM text ('' when empty). */
export interface CaBundleField {
  id: string;
  bundle: string;
}

/** The caBundle fields kadmit keeps in step (webhook configurations, CRD conversion). */
export interface BundleTargets {
  read(): Promise<CaBundleField[]>;
  /**
   * Sets one field to `next` only if it still holds `expected` (a JSON patch
   * with a `test` guard). Resolves false when the guard failed (someone else
   * wrote first); the engine re-reads and tries again.
   */
  write(id: string, expected: string, next: string): Promise<boolean>;
  watch?(onChange: () => void): () => void;
}

/** Receives every new serving pair; the transport calls `server.setSecureContext`. */
export interface ServingSink {
  update(material: ServingMaterial): void;
}

export type CertRole = 'ca' | 'next-ca' | 'serving';
export type CertOperation =
  | 'read-state'
  | 'write-state'
  | 'read-targets'
  | 'write-targets'
  | 'issue'
  | 'load-external';

/** Metrics hooks; the observability layer maps them onto prom-client. */
export interface CertMetrics {
  /** undefined: no certificate in that role right now. */
  notAfter(role: CertRole, notAfter: Date | undefined): void;
  rotation(role: 'ca' | 'serving'): void;
  error(operation: CertOperation): void;
}

export const noopCertMetrics: CertMetrics = Object.freeze({
  notAfter() {},
  rotation() {},
  error() {},
});

/** Kubernetes Events (where RBAC allows) or anything else that wants to hear of rotations. */
export interface CertEvents {
  emit(reason: 'CertificateRotated' | 'CARotationPhase' | 'CertificateError', message: string): void;
}
