// A small HTTPS client for tests: real sockets, the server's CA, a chosen SNI.
import { request, Agent } from 'node:https';
import { createSecureContext, type ConnectionOptions, type SecureContext } from 'node:tls';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): any;
}

export interface PostOptions {
  headers?: Record<string, string>;
  method?: string;
  agent?: Agent;
  servername?: string;
}

const contexts = new Map<string, SecureContext>();

/**
 * Request options that trust `ca`, its context built once per CA: a connection
 * given only `ca` builds a context of its own from the PEM, about a third of
 * the client's CPU per connection in the hang-up test. The server sees the same
 * handshake either way. (https hands `secureContext` on to tls.connect, though
 * its request types leave it out: spread these in.)
 */
export function trusting(ca: string): Pick<ConnectionOptions, 'secureContext'> {
  let secureContext = contexts.get(ca);
  if (secureContext === undefined) contexts.set(ca, (secureContext = createSecureContext({ ca })));
  return { secureContext };
}

export function httpsRequest(port: number, ca: string, path: string, body: string | Buffer | undefined, options: PostOptions = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'POST',
        ...trusting(ca),
        servername: options.servername ?? 'kadmit.kadmit.svc',
        agent: options.agent ?? false,
        headers: { 'content-type': 'application/json', accept: 'application/json, */*', 'user-agent': 'kube-apiserver-admission', ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A v1 AdmissionReview around a request, with sensible defaults for a Pod CREATE. */
export function review(request: Record<string, unknown>, apiVersion = 'admission.k8s.io/v1'): Record<string, unknown> {
  return {
    apiVersion,
    kind: 'AdmissionReview',
    request: {
      uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'default',
      name: 'web',
      operation: 'CREATE',
      userInfo: { username: 'alice', groups: ['system:authenticated'] },
      object: pod(),
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
      ...request,
    },
  };
}

export function pod(memoryLimit: string | null = '128Mi'): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: {
      containers: [
        { name: 'app', image: 'nginx:1.27', ...(memoryLimit !== null && { resources: { limits: { memory: memoryLimit } } }) },
      ],
    },
  };
}
