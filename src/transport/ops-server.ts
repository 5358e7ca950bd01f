// The plain-HTTP operations listener: probes, metrics and debug views. Kept apart
// from the webhook listener so a kubelet probe or a scrape never queues behind
// admission traffic, and needs no certificate. The debug views (which reviews
// are in flight, certificate state) are for someone on the pod: by default they
// answer only connections from loopback (kubectl port-forward arrives there),
// while probes and metrics answer on every address the listener has.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { trackConnections } from './connections.ts';

// Taken from the module object, not a static import: importing a built-in as ESM
// reads every export, and http's lazy ones load undici (~60 ms of start-up).
const { createServer } = process.getBuiltinModule('node:http');

/** Who may read /debug/*: loopback peers only, any peer, or nobody. */
export type DebugAccess = 'loopback' | 'all' | 'off';
export const DEBUG_ACCESS: readonly DebugAccess[] = ['loopback', 'all', 'off'];

/** 127.0.0.0/8, ::1, and IPv4-mapped loopback. */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return address === '::1';
}

export interface OpsServerOptions {
  registry: Registry;
  /** Why kadmit is not ready, or undefined when it is. */
  notReadyReason(): string | undefined;
  /** Extra read-only JSON views, e.g. `/debug/inflight`. */
  debugViews?: Readonly<Record<string, () => unknown>>;
  /** Debug routes that write their own answer (a streamed heap snapshot, a CPU profile). */
  debugRoutes?: Readonly<Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>>>;
  /** Default `loopback`. */
  debugAccess?: DebugAccess;
  log: Logger;
}

export interface OpsServer {
  listen(host: string, port: number): Promise<{ host: string; port: number }>;
  /** Stops accepting, closes idle connections, and waits for open requests to finish. */
  close(): Promise<void>;
  /** Closes every socket now, half-sent requests included. */
  destroyConnections(): void;
}

export function createOpsServer(options: OpsServerOptions): OpsServer {
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.log.error({ err }, 'ops endpoint failed');
      if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n');
      else res.destroy();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  const connections = trackConnections(server);
  const debugAccess = options.debugAccess ?? 'loopback';

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'only GET\n', { allow: 'GET, HEAD' });
    if (path === '/healthz') return send(res, 200, 'text/plain', 'ok\n');
    if (path === '/readyz') {
      const reason = options.notReadyReason();
      return reason === undefined ? send(res, 200, 'text/plain', 'ok\n') : send(res, 503, 'text/plain', `not ready: ${reason}\n`);
    }
    if (path === '/metrics') return send(res, 200, options.registry.contentType, await options.registry.metrics());
    const debugAllowed = debugAccess === 'all' || (debugAccess === 'loopback' && isLoopback(req.socket.remoteAddress));
    const route = path === undefined || !debugAllowed ? undefined : options.debugRoutes?.[path];
    if (route) return route(req, res);
    const view = path === undefined || !debugAllowed ? undefined : options.debugViews?.[path];
    if (view) return send(res, 200, 'application/json', `${JSON.stringify(view(), null, 2)}\n`);
    return send(res, 404, 'text/plain', 'not found\n');
  }

  return {
    listen: (host, port) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host === '' ? undefined : host, () => {
          server.off('error', reject);
          const address = server.address();
          if (address === null || typeof address === 'string') return reject(new Error('ops server has no TCP address'));
          resolve({ host: address.address, port: address.port });
        });
      }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
    destroyConnections: () => {
      server.closeAllConnections();
      connections.destroyAll();
    },
  };
}

export function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
