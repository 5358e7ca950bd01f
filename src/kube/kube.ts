// The handle kadmit's Kubernetes helpers take: a KubeConfig, the signal that
// ends all of this component's work (shutdown), and a per-request time limit.
// kubeCall runs one API call under all three and maps its failure.
import type { KubeConfig } from '@kubernetes/client-node';
import { linkSignals } from './abort.ts';
import { kubeClientFor } from './client.ts';
import type { KubeClients } from '../model/webhook.ts';
import { KubeApiError, KubeErrorCode, toKubeError } from './errors.ts';

export interface Kube {
  readonly kc: KubeConfig;
  // Aborting it cancels every request made through this handle.
  readonly signal: AbortSignal | undefined;
  readonly requestTimeoutMs: number;
}

export interface KubeRequestOptions {
  // Cancels this call (in addition to the Kube's own signal).
  signal?: AbortSignal;
  // Overrides Kube.requestTimeoutMs for this call.
  timeoutMs?: number;
}

export function createKube(kc: KubeConfig, opts: { signal?: AbortSignal; requestTimeoutMs?: number } = {}): Kube {
  return { kc, signal: opts.signal, requestTimeoutMs: opts.requestTimeoutMs ?? 10_000 };
}

// Run `fn` with clients bound to the Kube's signal, the call's signal and a
// time limit. A caller's abort rejects with the caller's reason untouched; the
// time limit becomes KADMIT_KUBE_TIMEOUT; API failures become KubeApiErrors.
export async function kubeCall<T>(kube: Kube, what: string, fn: (c: KubeClients) => Promise<T>, opts: KubeRequestOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? kube.requestTimeoutMs;
  const linked = linkSignals([kube.signal, opts.signal], timeoutMs, () => new KubeApiError(KubeErrorCode.Timeout, `${what}: no answer within ${timeoutMs} ms`));
  try {
    return await fn(kubeClientFor(kube.kc, linked.signal));
  } catch (err) {
    // Aborted: report why (the caller's reason, or our time limit), not how fetch noticed.
    if (linked.signal.aborted) throw linked.signal.reason;
    throw toKubeError(err, what);
  } finally {
    linked.dispose();
  }
}
