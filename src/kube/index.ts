// kadmit's Kubernetes API access: configuration, signal-bound clients for
// handlers, conditional Secret access, caBundle targets, watches, events, retry.
export { loadKubeConfig, type LoadKubeConfigOptions } from './config.ts';
export { kubeClientFor, signalConfiguration } from './client.ts';
export type { KubeClients } from '../model/webhook.ts';
export { closeKubeConnections } from './shared-dispatcher.ts';
export { createKube, kubeCall, type Kube, type KubeRequestOptions } from './kube.ts';
export { KubeApiError, KubeErrorCode, isKubeError, toKubeError } from './errors.ts';
export { backoffDelay, isRetryable, retry, type BackoffOptions, type RetryOptions } from './retry.ts';
export { linkSignals, sleep, type LinkedSignal } from './abort.ts';
export { createSecret, deleteSecret, encodeSecretData, findSecret, getSecret, replaceSecret, secretData, watchSecret, type WireSecret } from './secrets.ts';
export {
  caBundlePatch,
  caBundleTarget,
  decodeCaBundle,
  encodeCaBundle,
  getCaBundleTarget,
  listCaBundleTargets,
  patchCaBundles,
  watchCaBundleTargets,
  type CaBundleSlot,
  type CaBundleTarget,
  type CaBundleTargetKind,
  type TargetSelector,
} from './ca-bundle.ts';
export { Reflector, type ReflectorEvent, type ReflectorOptions, type ReflectorStats } from './reflector.ts';
export { watchStream, type WatchEvent, type WatchStreamOptions } from './watch-stream.ts';
export { listObjects, getJson, type KubeObject, type KubeList } from './raw.ts';
export { buildEvent, recordEvent, type EventInput } from './events.ts';
