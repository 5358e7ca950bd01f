// The HTTPS listener the apiserver calls. It only speaks HTTP: method, path,
// media type, body size, timeouts and TLS. Every admission decision is made by
// the Reviewer it is given.
import type { SecureContextOptions } from 'node:tls';
import { createServer, type Server as HttpsServer, type ServerOptions as HttpsServerOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { errorBody } from './http-answer.ts';
import { readBody } from './body-reader.ts';
import { SCAN_ABOVE_BYTES } from '../admission/json-limits.ts';
import type { Ticket } from './memory-guard.ts';
import { trackConnections } from './connections.ts';
import { accountRequests, requestAccounting, type RequestLabels } from './request-accounting.ts';
import { admitPost, errorRefusal, notServed, type Refusal } from './refusals.ts';
import { reviewRoute, type ReviewRouteOptions } from './review-route.ts';

export interface ServingTls {
  key: string;
  cert: string;
}

export interface WebhookServerOptions extends Omit<ReviewRouteOptions, 'accounting'> {
  tls: ServingTls;
  tlsMinVersion: 'TLSv1.2' | 'TLSv1.3';
  tlsCiphers: string;
  /** Told of every request answered (or left by its client), with bounded labels. */
  onRequest?: (labels: RequestLabels) => void;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  idleTimeoutMs: number;
  /** CAs (PEM) a client certificate must chain to; absent: no client certificate is asked for. */
  clientCa?: string;
}

export interface WebhookServer {
  listen(host: string, port: number): Promise<{ host: string; port: number }>;
  /** Swaps the serving certificate for new handshakes; open connections keep theirs. */
  setTls(tls: ServingTls): void;
  /** Swaps the accepted client CAs for new handshakes (only with `clientCa` set at creation). */
  setClientCa(ca: string): void;
  /** Stops accepting connections, closes idle ones, and waits for open requests to finish. */
  close(): Promise<void>;
  /** Closes every socket now: idle, keep-alive, half-sent, mid-handshake. */
  destroyConnections(): void;
  readonly fastify: FastifyInstance<HttpsServer>;
}

const METHODS_NOT_ALLOWED = ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

export function createWebhookServer(options: WebhookServerOptions): WebhookServer {
  let tlsNow = options.tls;
  let clientCa = options.clientCa;
  // One secure context holds both the serving pair and the accepted client CAs: a swap of either keeps the other.
  const secureOptions = (tls: ServingTls): SecureContextOptions => ({
    key: tls.key,
    cert: tls.cert,
    minVersion: options.tlsMinVersion,
    ...(options.tlsCiphers !== '' && { ciphers: options.tlsCiphers }),
    ...(clientCa !== undefined && { ca: clientCa }),
  });
  // requestCert/rejectUnauthorized belong to the server, not the context: fixed at creation.
  const clientAuth: { requestCert?: boolean; rejectUnauthorized?: boolean } = options.clientCa === undefined ? {} : { requestCert: true, rejectUnauthorized: true };
  const accounting = requestAccounting(options.log, (labels) => options.onRequest?.(labels));
  let closing = false;
  // A review's POST is taken before fastify sees it (review-route.ts); the rest is fastify's.
  const tryReview = reviewRoute({ ...options, accounting }, () => closing);
  // HTTP/1.1 only: the apiserver uses it for service references, and HTTP/2 stays off (CVE-2023-44487).
  // connectionsCheckingInterval: how often Node enforces headersTimeout/requestTimeout (default 30 s).
  // handshakeTimeout: a client that stalls in the TLS handshake is dropped like one that stalls in its headers (Node's default is 120 s).
  const httpsOptions = { ...secureOptions(options.tls), ...clientAuth, connectionsCheckingInterval: 1_000, handshakeTimeout: options.headersTimeoutMs } as HttpsServerOptions;
  const app = Fastify<HttpsServer>({
    serverFactory: (fastifyHandler) => {
      const server = createServer(httpsOptions, (req, res) => {
        if (!tryReview(req, res)) fastifyHandler(req, res);
      });
      // The timeouts fastify sets on a server it creates itself, and Node's headers timeout.
      server.keepAliveTimeout = options.keepAliveTimeoutMs;
      server.requestTimeout = options.requestTimeoutMs;
      server.setTimeout(options.idleTimeoutMs);
      server.headersTimeout = options.headersTimeoutMs;
      return server;
    },
    // The server is the factory's; fastify reads these only to know it speaks HTTPS (its "listening at https://" line).
    https: httpsOptions,
    loggerInstance: options.log.child({ component: 'transport' }),
    // kadmit writes one line per review itself; fastify's per-request lines would double it.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.maxBodyBytes,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: false, ignoreDuplicateSlashes: false },
    // No route declares a JSON schema (the pipeline reads and checks bodies itself), so
    // fastify's default compilers (ajv, fast-json-stringify) are never loaded: ~160
    // modules fewer on the main thread, and creating the instance took 6-14 ms instead
    // of 49-54.
    schemaController: { compilersFactory: { buildValidator: noSchemaCompiler, buildSerializer: noSchemaCompiler } },
  });
  const connections = trackConnections(app.server);

  // A POST fastify serves (to a path that is no webhook's) has its body read like a
  // review's, so that it is refused after the client has sent it all (body-reader.ts).
  const tickets = new WeakMap<object, Ticket>();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (request: FastifyRequest, payload: IncomingMessage) =>
    readBody(payload, { maxBodyBytes: options.maxBodyBytes, limits: options.jsonLimits, scanAbove: SCAN_ABOVE_BYTES }, (bytes) => tickets.get(request.raw)?.add(bytes)));

  // First, so that every answer below is counted (and refusals logged).
  accountRequests(app, accounting);

  // Refuse a wrong media type, and shed load near the memory limit, before the body is read.
  // A callback hook (no promise per request): it answers by sending, and goes on by calling done().
  app.addHook('onRequest', (request, reply, done) => {
    if (request.method !== 'POST') return done();
    const admitted = admitPost(request.headers, options);
    if ('refusal' in admitted) return void sendRefusal(reply, admitted.refusal);
    const ticket = admitted.ticket;
    if (ticket) {
      tickets.set(request.raw, ticket);
      reply.raw.once('close', () => ticket.release());
    }
    done();
  });

  for (const webhook of options.webhooks) {
    app.route({
      method: [...METHODS_NOT_ALLOWED],
      url: webhook.path,
      handler: (_request, reply) => sendRefusal(reply, { status: 405, code: 'KADMIT_METHOD_NOT_ALLOWED', message: `only POST is served on ${webhook.path}`, headers: { allow: 'POST' } }),
    });
  }

  app.setNotFoundHandler((request, reply) => sendRefusal(reply, notServed(request.url.split('?')[0]!)));

  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) =>
    sendRefusal(reply, errorRefusal(error, options.maxBodyBytes, options.log)));

  return {
    fastify: app,
    async listen(host, port) {
      await app.listen({ host, port });
      const address = app.server.address();
      if (address === null || typeof address === 'string') throw new Error('webhook server has no TCP address');
      return { host: address.address, port: address.port };
    },
    setTls(tls) {
      tlsNow = tls;
      app.server.setSecureContext(secureOptions(tls));
    },
    setClientCa(ca) {
      if (clientCa === undefined) throw new Error('client authentication was not enabled when the webhook server was created');
      clientCa = ca;
      app.server.setSecureContext(secureOptions(tlsNow));
    },
    close: () => {
      closing = true;
      return app.close();
    },
    destroyConnections: () => {
      app.server.closeAllConnections();
      connections.destroyAll();
    },
  };
}

function noSchemaCompiler(): () => never {
  return () => {
    throw new Error('kadmit routes declare no JSON schema');
  };
}

function sendRefusal(reply: FastifyReply<any>, refusal: Refusal): FastifyReply {
  if (refusal.headers) reply.headers(refusal.headers);
  return reply.code(refusal.status).type('application/json').send(errorBody(refusal));
}
