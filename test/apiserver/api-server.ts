// The in-repo test API server: HTTPS on loopback, bearer-token auth, the REST
// subset kadmit uses, fault injection, and a request log for assertions.
// Without client-node (server.ts adds its KubeConfig): the server as a process
// (main.ts) starts faster without loading it.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { stringify as toYaml } from 'yaml';
import { handleControl } from './control.ts';
import { Faults } from './faults.ts';
import { RequestLog, type RequestRecord } from './request-log.ts';
import * as rest from './rest.ts';
import { route } from './route.ts';
import * as S from './status.ts';
import { Store } from './store.ts';
import { testServerTls } from './tls.ts';
import { WatchRegistry } from './watch.ts';

export interface TestApiServerOptions {
  host?: '127.0.0.1' | '::1';
  port?: number;
  token?: string;
  // Interval of BOOKMARK events on watches that allow them (apiserver: ~1 min).
  bookmarkIntervalMs?: number;
  // Watch event history kept for resuming watches; older resourceVersions get 410.
  maxHistory?: number;
  // Request log entries kept (oldest dropped first).
  maxLog?: number;
  // Serve the /testapi/v1 control endpoints (for a server in another process).
  control?: boolean;
  // Largest request body accepted (apiserver: 3 MiB for writes).
  maxBodyBytes?: number;
}

export interface ApiServer {
  readonly url: string;
  readonly caPem: string;
  readonly token: string;
  readonly store: Store;
  readonly faults: Faults;
  readonly log: RequestLog;
  // A kubeconfig file's text, trusting this server's CA, authenticating with the token (for kadmit processes: KUBECONFIG=...).
  kubeConfigYaml(opts?: { namespace?: string }): string;
  writeKubeConfig(path: string, opts?: { namespace?: string }): Promise<void>;
  // TCP connections open right now (client sockets included while kept alive).
  openConnections(): number;
  close(): Promise<void>;
}

const MEDIA_JSON = 'application/json';

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
    });
    req.on('end', () => resolve(size > limit ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': MEDIA_JSON, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private', ...headers });
  res.end(text);
}

function sendStatus(res: ServerResponse, err: S.StatusError): void {
  const headers: Record<string, string> = {};
  const retry = err.status.details?.retryAfterSeconds;
  if (retry !== undefined) headers['Retry-After'] = String(retry);
  sendJson(res, err.status.code, err.status, headers);
}

export async function startApiServer(opts: TestApiServerOptions = {}): Promise<ApiServer> {
  const tls = await testServerTls();
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? randomBytes(16).toString('hex');
  const maxBody = opts.maxBodyBytes ?? 3 * 1024 * 1024;
  const store = new Store(opts.maxHistory === undefined ? {} : { maxHistory: opts.maxHistory });
  const watches = new WatchRegistry(store);
  const faults = new Faults(watches);
  const log = new RequestLog(opts.maxLog ?? 10_000);
  const bookmarkIntervalMs = opts.bookmarkIntervalMs ?? 5000;
  const sockets = new Set<Socket>();
  let nextSocketId = 1;
  const socketIds = new WeakMap<object, number>();

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://apiserver.invalid');
    if (opts.control && url.pathname.startsWith('/testapi/v1/')) {
      // Control traffic is not API traffic: authenticated, never logged or faulted.
      const body = await readBody(req, maxBody);
      if (req.headers.authorization !== `Bearer ${token}`) return sendStatus(res, S.unauthorized());
      return handleControl({ store, faults, log }, req.method ?? 'GET', url, body ?? '', res);
    }
    const record = log.begin(req, url, socketIds.get(req.socket) ?? 0, req.socket);
    res.once('finish', () => log.finish(record, res.statusCode));
    const raw = await readBody(req, maxBody);
    if (raw === undefined) return sendStatus(res, S.forCode(413, 'Request entity too large: limit is 3145728'));
    log.body(record, raw);

    if (req.headers.authorization !== `Bearer ${token}`) return sendStatus(res, S.unauthorized());
    if (url.pathname === '/version') return sendJson(res, 200, { major: '1', minor: '34', gitVersion: 'v1.34.0-kadmit-test' });
    if (url.pathname === '/healthz' || url.pathname === '/readyz' || url.pathname === '/livez') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      return void res.end('ok');
    }

    const routed = route(req.method ?? 'GET', url.pathname, url.searchParams);
    if ('error' in routed) {
      return sendStatus(res, routed.error === 'not-found' ? S.forCode(404, 'the server could not find the requested resource') : S.methodNotAllowed());
    }
    const r = routed.route;
    const restReq: rest.RestRequest = {
      route: r,
      query: url.searchParams,
      contentType: mediaType(req.headers['content-type']),
      rawBody: raw,
      userAgent: String(req.headers['user-agent'] ?? ''),
    };

    const fault = faults.take({ verb: r.verb, resource: r.res.plural, namespace: r.namespace ?? '', name: r.name });
    log.route(record, r, fault?.spec);
    let closeAfterMs: number | undefined;
    if (fault) {
      const f = fault.spec;
      if (f.hang) {
        faults.trackHung(res);
        return;
      }
      if (f.reset) return void req.socket.destroy();
      if (f.status !== undefined) return sendStatus(res, S.forCode(f.status, f.message, f.retryAfterSeconds));
      if (f.delayMs !== undefined) await new Promise((ok) => setTimeout(ok, f.delayMs));
      closeAfterMs = f.closeWatchAfterMs;
    }

    try {
      if ((r.verb === 'create' || r.verb === 'update') && restReq.contentType !== MEDIA_JSON) throw S.unsupportedMediaType(restReq.contentType);
      switch (r.verb) {
        case 'watch': {
          const { labels, fields } = rest.watchOptions(restReq);
          const timeout = url.searchParams.get('timeoutSeconds');
          watches.serve(
            {
              res: r.res,
              namespace: r.namespace,
              matches: (o) => labels(o) && fields(o),
              resourceVersion: url.searchParams.get('resourceVersion') ?? undefined,
              allowBookmarks: url.searchParams.get('allowWatchBookmarks') === 'true',
              bookmarkIntervalMs,
              timeoutSeconds: timeout === null ? undefined : Number(timeout),
              closeAfterMs,
            },
            res,
          );
          log.watching(record);
          return;
        }
        case 'get':
          return reply(res, rest.get(store, restReq));
        case 'list':
          return reply(res, rest.list(store, restReq));
        case 'create':
          return reply(res, rest.create(store, restReq));
        case 'update':
          return reply(res, rest.update(store, restReq));
        case 'patch':
          return reply(res, rest.patch(store, restReq));
        case 'delete':
          return reply(res, rest.remove(store, restReq));
      }
    } catch (err) {
      if (err instanceof S.StatusError) return sendStatus(res, err);
      return sendStatus(res, S.internal((err as Error).stack ?? String(err)));
    }
  }

  function reply(res: ServerResponse, result: rest.RestResult): void {
    sendJson(res, result.status, result.body);
  }

  const server: Server = createServer({ key: tls.keyPem, cert: tls.certPem, minVersion: 'TLSv1.2' }, (req, res) => {
    onRequest(req, res).catch((err: unknown) => sendStatus(res, S.internal(String(err))));
  });
  // Keep idle keep-alive sockets around like apiserver does (client-node opens many).
  server.keepAliveTimeout = 30_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.on('secureConnection', (s) => socketIds.set(s, nextSocketId++));

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, host, () => ok());
  });
  const { port } = server.address() as AddressInfo;
  const url = `https://${host === '::1' ? '[::1]' : host}:${port}`;

  const kubeConfigYaml = (o: { namespace?: string } = {}): string =>
    toYaml({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'kadmit-test', cluster: { server: url, 'certificate-authority-data': Buffer.from(tls.caPem).toString('base64') } }],
      users: [{ name: 'kadmit-test', user: { token } }],
      contexts: [{ name: 'kadmit-test', context: { cluster: 'kadmit-test', user: 'kadmit-test', namespace: o.namespace ?? 'default' } }],
      'current-context': 'kadmit-test',
    });

  let closed: Promise<void> | undefined;
  return {
    url,
    caPem: tls.caPem,
    token,
    store,
    faults,
    log,
    kubeConfigYaml,
    async writeKubeConfig(path, o = {}) {
      await writeFile(path, kubeConfigYaml(o), { mode: 0o600 });
    },
    openConnections: () => sockets.size,
    close() {
      closed ??= new Promise<void>((ok) => {
        faults.dropWatches({ mode: 'destroy' });
        faults.releaseHung();
        server.close(() => ok());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      });
      return closed;
    },
  };
}

export type { RequestRecord };
