// A test API server in a child process, and a client for its /testapi/v1
// control endpoints — for tests where the server must outlive or stand apart
// from the processes under test.
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:https';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { KubeConfig } from '@kubernetes/client-node';
import type { FaultSpec } from './faults.ts';
import type { JsonObject } from './json.ts';
import { clientKubeConfig } from './kubeconfig.ts';

export interface ServerInfo {
  url: string;
  caPem: string;
  token: string;
  pid: number;
  kubeconfig?: string;
}

export class RemoteTestApiServer {
  readonly info: ServerInfo;
  readonly child: ChildProcess | undefined;

  constructor(info: ServerInfo, child?: ChildProcess) {
    this.info = info;
    this.child = child;
  }

  get url(): string {
    return this.info.url;
  }

  kubeConfig(): KubeConfig {
    return clientKubeConfig(this.info);
  }

  #call(method: string, path: string, body?: unknown): Promise<unknown> {
    const url = new URL(`/testapi/v1/${path}`, this.info.url);
    return new Promise((resolve, reject) => {
      const req = request(url, { method, ca: this.info.caPem, headers: { authorization: `Bearer ${this.info.token}`, 'content-type': 'application/json' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') as unknown;
          if ((res.statusCode ?? 500) >= 300) reject(new Error(`control ${method} ${path}: ${res.statusCode} ${JSON.stringify(parsed)}`));
          else resolve(parsed);
        });
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }

  addFault(spec: FaultSpec): Promise<unknown> {
    return this.#call('POST', 'faults', spec);
  }
  clearFaults(): Promise<unknown> {
    return this.#call('DELETE', 'faults');
  }
  dropWatches(opts: { resource?: string; mode?: 'end' | 'destroy' } = {}): Promise<{ dropped: number }> {
    return this.#call('POST', 'drop-watches', opts) as Promise<{ dropped: number }>;
  }
  releaseHung(): Promise<unknown> {
    return this.#call('POST', 'release-hung');
  }
  compact(): Promise<unknown> {
    return this.#call('POST', 'compact');
  }
  put(resource: string, obj: JsonObject, opts: { manager?: string; silent?: boolean } = {}): Promise<JsonObject> {
    const q = new URLSearchParams();
    if (opts.manager) q.set('manager', opts.manager);
    if (opts.silent) q.set('silent', 'true');
    return this.#call('PUT', `store/${resource}?${q}`, obj) as Promise<JsonObject>;
  }
  get(resource: string, namespace: string, name: string): Promise<JsonObject | null> {
    return this.#call('GET', `store/${resource}/${namespace || '_'}/${name}`) as Promise<JsonObject | null>;
  }
  list(resource: string, namespace?: string): Promise<JsonObject[]> {
    return this.#call('GET', `store/${resource}${namespace ? `?namespace=${encodeURIComponent(namespace)}` : ''}`) as Promise<JsonObject[]>;
  }
  delete(resource: string, namespace: string, name: string, opts: { silent?: boolean } = {}): Promise<{ deleted: boolean }> {
    return this.#call('DELETE', `store/${resource}/${namespace || '_'}/${name}${opts.silent ? '?silent=true' : ''}`) as Promise<{ deleted: boolean }>;
  }
  requests(): Promise<Array<Record<string, unknown>>> {
    return this.#call('GET', 'requests') as Promise<Array<Record<string, unknown>>>;
  }
  clearLog(): Promise<unknown> {
    return this.#call('DELETE', 'requests');
  }

  // Stop the child process (when this object started it).
  async close(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
    child.kill('SIGTERM');
    await exited;
  }
}

// Start `test/apiserver/main.ts` in a child process on Node 24 (the npx-installed one).
export async function spawnTestApiServer(args: string[] = []): Promise<RemoteTestApiServer> {
  const main = fileURLToPath(new URL('./main.ts', import.meta.url));
  // process.execPath is the Node 24 running this test (tap/npx put it first on PATH).
  const child = spawn(process.execPath, [main, '--port', '0', '--exit-with-parent', ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`test apiserver exited early with code ${code}`)));
  });
  lines.close();
  return new RemoteTestApiServer(JSON.parse(first) as ServerInfo, child);
}
