// The in-repo test API server (api-server.ts) with a client-node KubeConfig
// for it: what in-process tests start.
//
//   const api = await startTestApiServer();
//   const kc = api.kubeConfig();            // client-node KubeConfig trusting its CA
//   api.faults.add({ verb: 'patch', resource: 'secrets', status: 500, times: 2 });
//   api.store.put('secrets', {...});        // another writer, bypassing the API
//   await api.close();
import type { KubeConfig } from '@kubernetes/client-node';
import { startApiServer, type ApiServer, type TestApiServerOptions } from './api-server.ts';
import { clientKubeConfig } from './kubeconfig.ts';

export type { RequestRecord, TestApiServerOptions } from './api-server.ts';

export interface TestApiServer extends ApiServer {
  // A KubeConfig for client-node, trusting this server's CA, authenticating with the token.
  kubeConfig(opts?: { token?: string; namespace?: string }): KubeConfig;
}

export async function startTestApiServer(opts: TestApiServerOptions = {}): Promise<TestApiServer> {
  const api = await startApiServer(opts);
  return Object.assign(api, {
    kubeConfig: (o: { token?: string; namespace?: string } = {}) => clientKubeConfig({ url: api.url, caPem: api.caPem, token: o.token ?? api.token, namespace: o.namespace }),
  });
}
