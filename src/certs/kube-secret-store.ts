import { KubeErrorCode, createSecret, findSecret, isKubeError, replaceSecret, watchSecret } from '../kube/index.ts';
import type { Kube } from '../kube/index.ts';
import type { StateDocumentStore, VersionedDocument } from './ports.ts';
import { stateConflict, stateMissing } from './store-errors.ts';

// The CA state document as a Secret in kadmit's namespace, through src/kube.
// resourceVersion is the document version; 409/AlreadyExists/404 become the
// engine's race outcomes, everything else (outages) propagates for backoff.

export interface SecretStoreOptions {
  kube: Kube;
  namespace: string;
  name: string;
  labels?: Record<string, string>;
}

export function createSecretDocumentStore(opts: SecretStoreOptions): StateDocumentStore {
  const { kube, namespace, name } = opts;
  const toDoc = (secret: { data?: Record<string, string>; metadata?: { resourceVersion?: string } }): VersionedDocument => ({
    data: Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')])),
    version: secret.metadata?.resourceVersion ?? '',
  });
  const encode = (data: Record<string, string>) =>
    Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]));
  const metadata = () => ({ name, namespace, labels: { 'app.kubernetes.io/managed-by': 'kadmit', ...opts.labels } });

  return {
    async read() {
      const secret = await findSecret(kube, namespace, name);
      return secret ? toDoc(secret) : undefined;
    },
    async create(data) {
      try {
        return toDoc(await createSecret(kube, namespace, { metadata: metadata(), type: 'Opaque', data: encode(data) }));
      } catch (err) {
        if (isKubeError(err, KubeErrorCode.AlreadyExists)) throw stateConflict(`secret ${namespace}/${name} already exists`);
        throw err;
      }
    },
    async replace(data, version) {
      try {
        const body = { metadata: { ...metadata(), resourceVersion: version }, type: 'Opaque', data: encode(data) };
        return toDoc(await replaceSecret(kube, namespace, body));
      } catch (err) {
        if (isKubeError(err, KubeErrorCode.Conflict)) throw stateConflict(`secret ${namespace}/${name} changed since ${version}`);
        if (isKubeError(err, KubeErrorCode.NotFound)) throw stateMissing(`secret ${namespace}/${name} is gone`);
        throw err;
      }
    },
    watch(onChange) {
      const reflector = watchSecret(kube, namespace, name, () => onChange());
      return () => void reflector.stop();
    },
  };
}
