// Secret access for the certificate store. Every write is conditional: create
// fails on an existing Secret, replace and delete only apply to the version
// the caller read, so concurrent replicas never overwrite each other.
import type { V1Secret } from '@kubernetes/client-node';
import { isKubeError, KubeApiError, KubeErrorCode } from './errors.ts';
import { kubeCall, type Kube, type KubeRequestOptions } from './kube.ts';
import type { KubeObject } from './raw.ts';
import { Reflector, type ReflectorOptions } from './reflector.ts';

// Throws KADMIT_KUBE_NOT_FOUND when absent.
export function getSecret(kube: Kube, namespace: string, name: string, opts?: KubeRequestOptions): Promise<V1Secret> {
  return kubeCall(kube, `get secret ${namespace}/${name}`, (c) => c.core.readNamespacedSecret({ namespace, name }), opts);
}

// undefined when absent.
export async function findSecret(kube: Kube, namespace: string, name: string, opts?: KubeRequestOptions): Promise<V1Secret | undefined> {
  try {
    return await getSecret(kube, namespace, name, opts);
  } catch (err) {
    if (isKubeError(err, KubeErrorCode.NotFound)) return undefined;
    throw err;
  }
}

// Throws KADMIT_KUBE_ALREADY_EXISTS when another writer created it first.
export function createSecret(kube: Kube, namespace: string, secret: V1Secret, opts?: KubeRequestOptions): Promise<V1Secret> {
  const name = secret.metadata?.name ?? secret.metadata?.generateName ?? '?';
  const body: V1Secret = { ...secret, apiVersion: 'v1', kind: 'Secret', metadata: { ...secret.metadata, namespace } };
  if (body.metadata) delete body.metadata.resourceVersion;
  return kubeCall(kube, `create secret ${namespace}/${name}`, (c) => c.core.createNamespacedSecret({ namespace, body }), opts);
}

// Replace the Secret *as of* secret.metadata.resourceVersion (required).
// Throws KADMIT_KUBE_CONFLICT if it changed since, KADMIT_KUBE_NOT_FOUND if deleted.
export function replaceSecret(kube: Kube, namespace: string, secret: V1Secret, opts?: KubeRequestOptions): Promise<V1Secret> {
  const name = secret.metadata?.name;
  const rv = secret.metadata?.resourceVersion;
  if (!name || !rv) {
    return Promise.reject(new KubeApiError(KubeErrorCode.Precondition, `replace secret ${namespace}/${name ?? '?'}: metadata.name and metadata.resourceVersion are required (writes are conditional)`));
  }
  const body: V1Secret = { ...secret, apiVersion: 'v1', kind: 'Secret', metadata: { ...secret.metadata, namespace } };
  return kubeCall(kube, `replace secret ${namespace}/${name}@${rv}`, (c) => c.core.replaceNamespacedSecret({ namespace, name, body }), opts);
}

// Delete, optionally only if still at `resourceVersion` (KADMIT_KUBE_CONFLICT otherwise).
export async function deleteSecret(kube: Kube, namespace: string, name: string, opts: KubeRequestOptions & { resourceVersion?: string } = {}): Promise<void> {
  const body = opts.resourceVersion === undefined ? undefined : { preconditions: { resourceVersion: opts.resourceVersion } };
  await kubeCall(kube, `delete secret ${namespace}/${name}`, (c) => c.core.deleteNamespacedSecret(body ? { namespace, name, body } : { namespace, name }), opts);
}

// Secret data values decoded from base64 (the API's wire form).
export function secretData(secret: V1Secret | undefined): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(secret?.data ?? {})) out[k] = Buffer.from(v, 'base64');
  return out;
}

export function encodeSecretData(data: Record<string, string | Buffer>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) out[k] = Buffer.from(v).toString('base64');
  return out;
}

// A Secret as it travels on a watch (wire JSON: timestamps are strings).
export interface WireSecret extends KubeObject {
  data?: Record<string, string>;
  type?: string;
  immutable?: boolean;
}

// Follow one Secret: onChange gets it on every change, undefined once it is
// deleted, and the current state after each (re)list. Reconnects with backoff
// and relists on 410, so changes made during an outage are still delivered.
export function watchSecret(
  kube: Kube,
  namespace: string,
  name: string,
  onChange: (secret: WireSecret | undefined) => void,
  opts: Omit<ReflectorOptions<WireSecret>, 'kube' | 'path' | 'labelSelector' | 'fieldSelector' | 'onEvent'> = {},
): Reflector<WireSecret> {
  let delivered: string | null | undefined; // resourceVersion delivered last; null: "absent"
  const deliver = (s: WireSecret | undefined): void => {
    const rv = s ? (s.metadata?.resourceVersion ?? '') : null;
    if (rv === delivered) return;
    delivered = rv;
    onChange(s);
  };
  const reflector: Reflector<WireSecret> = new Reflector<WireSecret>({
    ...opts,
    kube,
    path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`,
    fieldSelector: `metadata.name=${name}`,
    onEvent: (e) => {
      if (e.type === 'SYNCED') deliver(reflector.get(name, namespace));
      else if (!e.fromList) deliver(e.type === 'DELETED' ? undefined : e.object);
    },
  });
  return reflector.start();
}
