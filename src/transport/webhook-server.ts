// The HTTPS listener the apiserver calls. It only speaks HTTP: method, path,
// media type, body size, timeouts and TLS. Every admission decision is made by
// the Reviewer it is given.
import type { SecureContextOptions } from 'node:tls';
import type { Server as HttpsServer } from 'node:https';
import type { IncomingMessage } from 'node:http';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Webhook } from '../model/webhook.ts';
import type { Reviewer } from '../admission/reviewer.ts';
import { errorBody, httpAnswer } from './http-answer.ts';
import { KadmitError } from '../errors.ts';
import type { ErrorCode } from '../error-codes.ts';
import type { JsonLimits, ReceivedBody } from '../admission/body-scan.ts';
import { isJsonUtf8 } from './media-type.ts';
import { clientGoneSignal } from './client-gone.ts';
import { readBody, tooLarge } from './body-reader.ts';
import { RETRY_AFTER_SECONDS, type MemoryGuard, type Ticket } from './memory-guard.ts';
import { trackConnections } from './connections.ts';
import { firstQueryValue } from './query.ts';
import { accountRequests, type RequestLabels } from './request-accounting.ts';

export interface ServingTls {
  key: string;
  cert: string;
}

export interface WebhookServerOptions {
  webhooks: readonly Webhook[];
  /** The webhook a path serves now (`serve --watch` swaps them); absent: the one it started with. None: 404. */
  webhookAt?: (path: string) => Webhook | undefined;
  reviewer: Reviewer;
  tls: ServingTls;
  tlsMinVersion: 'TLSv1.2' | 'TLSv1.3';
  tlsCiphers: string;
  maxBodyBytes: number;
  /** Checked on the body as it arrives. */
  jsonLimits: JsonLimits;
  /** A body larger than this is read into shared memory, for a worker pool to post as it is; absent (no workers): none is. */
  sharedBodiesAbove?: number;
  /** Refuses new requests near the memory limit; absent: never. */
  memoryGuard?: MemoryGuard;
  /** Told of each request refused by the memory guard. */
  onShed?: () => void;
  /** Told of every request answered (or left by its client), with bounded labels. */
  onRequest?: (labels: RequestLabels) => void;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  idleTimeoutMs: number;
  /** CAs (PEM) a client certificate must chain to; absent: no client certificate is asked for. */
  clientCa?: string;
  log: Logger;
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
  const app = Fastify<HttpsServer>({
    // HTTP/1.1 only: the apiserver uses it for service references, and HTTP/2 stays off (CVE-2023-44487).
    // connectionsCheckingInterval: how often Node enforces headersTimeout/requestTimeout (default 30 s).
    // handshakeTimeout: a client that stalls in the TLS handshake is dropped like one that stalls in its headers (Node's default is 120 s).
    https: { ...secureOptions(options.tls), ...clientAuth, connectionsCheckingInterval: 1_000, handshakeTimeout: options.headersTimeoutMs } as SecureContextOptions,
    loggerInstance: options.log.child({ component: 'transport' }),
    // kadmit writes one line per review itself; fastify's per-request lines would double it.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.maxBodyBytes,
    connectionTimeout: options.idleTimeoutMs,
    keepAliveTimeout: options.keepAliveTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: false, ignoreDuplicateSlashes: false },
    // No route declares a JSON schema (the pipeline reads and checks bodies itself), so
    // fastify's default compilers (ajv, fast-json-stringify) are never loaded: ~160
    // modules fewer on the main thread, and creating the instance took 6-14 ms instead
    // of 49-54.
    schemaController: { compilersFactory: { buildValidator: noSchemaCompiler, buildSerializer: noSchemaCompiler } },
  });
  app.server.headersTimeout = options.headersTimeoutMs;
  const connections = trackConnections(app.server);

  // The body reaches the pipeline as bytes, scanned against the JSON limits while it
  // arrives (body-reader.ts); it is parsed once, in the pipeline.
  const tickets = new WeakMap<object, Ticket>();
  app.removeAllContentTypeParsers();
  const parseBody = (request: FastifyRequest, payload: IncomingMessage) =>
    readBody(payload, { maxBodyBytes: options.maxBodyBytes, limits: options.jsonLimits, sharedAbove: options.sharedBodiesAbove }, (bytes) => tickets.get(request.raw)?.add(bytes));
  // The same parser by name for the type the apiserver sends: fastify caches that
  // match by header value, where the catch-all parses the header on every request.
  app.addContentTypeParser('application/json', parseBody);
  app.addContentTypeParser('*', parseBody);

  // First, so that every answer below is counted (and refusals logged).
  const markReviewed = accountRequests(app, options.log, (labels) => options.onRequest?.(labels));

  // Refuse a wrong media type, and shed load near the memory limit, before the body is read.
  // A callback hook (no promise per request): it answers by sending, and goes on by calling done().
  app.addHook('onRequest', (request, reply, done) => {
    if (request.method !== 'POST') return done();
    if (!isJsonUtf8(request.headers['content-type'])) {
      sendError(reply, 415, 'KADMIT_UNSUPPORTED_MEDIA_TYPE',
        `Content-Type must be application/json (UTF-8), got ${JSON.stringify(request.headers['content-type'] ?? null)}`);
      return;
    }
    const guard = options.memoryGuard;
    const declared = guard === undefined ? 0 : Number(request.headers['content-length']) || 0;
    // Without a guard, or for a body the body reader answers 413: on to the body.
    if (guard === undefined || declared > options.maxBodyBytes) return done();
    const ticket = guard.admit(declared);
    if (!ticket) {
      options.onShed?.();
      reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      sendError(reply, 429, 'KADMIT_OVERLOADED', 'kadmit is near its memory limit and takes no new reviews for now; retry shortly');
      return;
    }
    tickets.set(request.raw, ticket);
    reply.raw.once('close', () => ticket.release());
    done();
  });

  for (const webhook of options.webhooks) {
    app.post(webhook.path, async (request: FastifyRequest, reply) => {
      markReviewed(request);
      const current = options.webhookAt ? options.webhookAt(webhook.path) : webhook;
      if (current === undefined) return sendError(reply, 404, 'KADMIT_NOT_FOUND', `no webhook is served on ${webhook.path}`);
      // A POST without a body skips the body reader.
      const body = (request.body as ReceivedBody | undefined) ?? new Uint8Array(0);
      const gone = clientGoneSignal(request.raw, reply.raw);
      let outcome;
      try {
        outcome = await options.reviewer.review(current, body, firstQueryValue(request.raw.url, 'timeout'), gone.signal, request.headers);
      } finally {
        gone.dispose(); // its listeners sit on a keep-alive socket that outlives the request
      }
      const answer = httpAnswer(outcome);
      if (answer === undefined) return reply.hijack(); // aborted: the socket is gone
      return reply.code(answer.status).type('application/json').send(answer.body);
    });
    app.route({
      method: [...METHODS_NOT_ALLOWED],
      url: webhook.path,
      handler: (_request, reply) => {
        reply.header('allow', 'POST');
        return sendError(reply, 405, 'KADMIT_METHOD_NOT_ALLOWED', `only POST is served on ${webhook.path}`);
      },
    });
  }

  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 404, 'KADMIT_NOT_FOUND', `no webhook is served on ${request.url.split('?')[0]}`));

  app.setErrorHandler((error: { statusCode?: number; code?: string; message: string }, _request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) options.log.error({ err: error }, 'transport error');
    // Another 4xx keeps its own code when it is ours (a body that broke off); else it is fastify's refusal.
    const code: ErrorCode = status === 413 ? 'KADMIT_BODY_TOO_LARGE' : status === 500 ? 'KADMIT_INTERNAL' : error instanceof KadmitError ? error.code : 'KADMIT_BAD_REQUEST';
    const message = status === 413 ? tooLarge(options.maxBodyBytes).message : status === 500 ? 'internal error' : error.message;
    return sendError(reply, status, code, message);
  });

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
    close: () => app.close(),
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

function sendError(reply: FastifyReply<any>, status: number, code: ErrorCode, message: string): FastifyReply {
  return reply.code(status).type('application/json').send(errorBody({ code, message }));
}
