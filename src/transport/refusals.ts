// The answers the transport gives on its own, without a review: a POST refused
// before its body is read (media type, memory), and a body or request that
// failed. Both listeners' paths use them: the review route (review-route.ts)
// and fastify's hook and error handler (webhook-server.ts), so a refusal reads
// the same whichever path met it.
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { KadmitError } from '../errors.ts';
import type { ErrorCode } from '../error-codes.ts';
import { errorBody } from './http-answer.ts';
import { isJsonUtf8 } from './media-type.ts';
import { tooLarge } from './body-reader.ts';
import { RETRY_AFTER_SECONDS, type MemoryGuard, type Ticket } from './memory-guard.ts';

export interface Refusal {
  status: number;
  code: ErrorCode;
  message: string;
  /** Extra response headers (lower case). */
  headers?: Record<string, string>;
}

export interface PostLimits {
  maxBodyBytes: number;
  /** Refuses new requests near the memory limit; absent: never. */
  memoryGuard?: MemoryGuard;
  /** Told of each request refused by the memory guard. */
  onShed?: () => void;
}

/**
 * Checks a POST before its body is read: a wrong media type is refused, and so is
 * any POST while memory is near its limit. Otherwise the memory ticket its body
 * is counted on (none without a guard, or for a body the reader answers 413).
 */
export function admitPost(headers: IncomingHttpHeaders, limits: PostLimits): { refusal: Refusal } | { ticket: Ticket | undefined } {
  if (!isJsonUtf8(headers['content-type'])) {
    return { refusal: { status: 415, code: 'KADMIT_UNSUPPORTED_MEDIA_TYPE', message: `Content-Type must be application/json (UTF-8), got ${JSON.stringify(headers['content-type'] ?? null)}` } };
  }
  const guard = limits.memoryGuard;
  const declared = guard === undefined ? 0 : Number(headers['content-length']) || 0;
  if (guard === undefined || declared > limits.maxBodyBytes) return { ticket: undefined };
  const ticket = guard.admit(declared);
  if (ticket) return { ticket };
  limits.onShed?.();
  return {
    refusal: {
      status: 429,
      code: 'KADMIT_OVERLOADED',
      message: 'kadmit is near its memory limit and takes no new reviews for now; retry shortly',
      headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
    },
  };
}

/**
 * The answer to an error met while serving a request: a client fault (4xx) keeps
 * its status, and its code when it is kadmit's (a body that broke off), else it
 * is an HTTP-level refusal; anything else is a 500, logged, its details kept
 * from the client.
 */
export function errorRefusal(error: unknown, maxBodyBytes: number, log: Logger): Refusal {
  const { statusCode, message } = (typeof error === 'object' && error !== null ? error : {}) as { statusCode?: unknown; message?: unknown };
  const status = typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500 ? statusCode : 500;
  if (status === 500) {
    log.error({ err: error }, 'transport error');
    return { status, code: 'KADMIT_INTERNAL', message: 'internal error' };
  }
  if (status === 413) return { status, code: 'KADMIT_BODY_TOO_LARGE', message: tooLarge(maxBodyBytes).message };
  return { status, code: error instanceof KadmitError ? error.code : 'KADMIT_BAD_REQUEST', message: String(message) };
}

/** A path no webhook is served on (or no longer is, after `serve --watch` removed it). */
export function notServed(path: string): Refusal {
  return { status: 404, code: 'KADMIT_NOT_FOUND', message: `no webhook is served on ${path}` };
}

/** Writes a JSON answer with the content type and length fastify gives one. */
export function writeJson(res: ServerResponse, status: number, body: string, headers?: Record<string, string>): void {
  res.writeHead(status, { ...headers, 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function writeRefusal(res: ServerResponse, refusal: Refusal): void {
  writeJson(res, refusal.status, errorBody(refusal), refusal.headers);
}

const JSON_TYPE = 'application/json; charset=utf-8';
