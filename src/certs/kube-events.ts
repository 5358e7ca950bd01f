import { recordEvent } from '../kube/index.ts';
import type { Kube } from '../kube/index.ts';
import type { CertEvents } from './ports.ts';

// Rotation events as Kubernetes Events on an object of kadmit's (e.g. its
// Deployment or the CA Secret). Best effort: recordEvent never rejects, and a
// missing RBAC permission only costs the event.

export interface KubeCertEventsOptions {
  kube: Kube;
  namespace: string;
  involvedObject: { apiVersion?: string; kind: string; name: string; namespace?: string; uid?: string };
  onError?: (err: unknown) => void;
}

export function createKubeCertEvents(opts: KubeCertEventsOptions): CertEvents {
  return {
    emit(reason, message) {
      void recordEvent(
        opts.kube,
        {
          namespace: opts.namespace,
          involvedObject: opts.involvedObject,
          type: reason === 'CertificateError' ? 'Warning' : 'Normal',
          reason,
          message,
          component: 'kadmit-certs',
        },
        opts.onError ? { onError: opts.onError } : {},
      );
    },
  };
}
