// A client-node KubeConfig for a test API server: trusting its CA,
// authenticating with its token.
import { KubeConfig } from '@kubernetes/client-node';

export interface KubeConfigTarget {
  url: string;
  caPem: string;
  token: string;
  namespace?: string | undefined;
}

export function clientKubeConfig(target: KubeConfigTarget): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'kadmit-test', server: target.url, caData: Buffer.from(target.caPem).toString('base64'), skipTLSVerify: false }],
    users: [{ name: 'kadmit-test', token: target.token }],
    contexts: [{ name: 'kadmit-test', cluster: 'kadmit-test', user: 'kadmit-test', namespace: target.namespace ?? 'default' }],
    currentContext: 'kadmit-test',
  });
  return kc;
}
