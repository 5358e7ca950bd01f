// Kubernetes API access for webhook handlers. Every client is bound to the
// review's signal, so a call still running at the deadline (or when the apiserver
// hangs up) is cancelled and its socket closed. The kubeconfig is read once per
// thread, on first use: client-node costs a second to import, so only handlers
// that call the API pay for it.
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeClients } from '../model/webhook.ts';
import type { SendAround } from './client.ts';

let kubeConfig: Promise<KubeConfig> | undefined;

/** Loads the client and the kubeconfig now, for threads whose handlers will need them. */
export function preloadKubeClients(): Promise<unknown> {
  kubeConfig ??= import('./config.ts').then((m) => m.loadKubeConfig());
  return Promise.all([kubeConfig, import('./client.ts')]);
}

/** Clients bound to the review's signal; `around` wraps each request (a traced review: a span per request). */
export async function handlerKubeClients(signal: AbortSignal, around?: SendAround): Promise<KubeClients> {
  kubeConfig ??= import('./config.ts').then((m) => m.loadKubeConfig());
  const [kc, { kubeClientFor }] = await Promise.all([kubeConfig, import('./client.ts')]);
  return kubeClientFor(kc, signal, around);
}
