// Every request the webhook listener answers is counted: the reviews, and the
// ones the transport refuses itself (404 unknown path, 405 method, 413 too
// large, 415 media type, 429 shed). Labels are bounded: the webhook path the
// request matched (never the URL it asked for), the method from a fixed set,
// the status code ('none' when the client left before an answer). A refused
// request never reaches the Reviewer, which logs every review; so it is logged
// here (a misconfigured webhook path shows at once), at most one line per
// status code per 10 s.
import type { FastifyInstance, RawServerBase } from 'fastify';
import type { Logger } from 'pino';
import { truncate } from '../truncate.ts';
import { logWindow } from './log-window.ts';

export interface RequestLabels {
  /** A webhook path, or `unmatched`. */
  route: string;
  method: string;
  /** The HTTP status, or `none`. */
  code: string;
}

export const UNMATCHED_ROUTE = 'unmatched';
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);
const WINDOW_MS = 10_000;
const MAX_LOGGED_PATH = 256;

/**
 * Registers the counting and logging hook; register it before any hook that
 * may answer (the media-type check), so that its answers are counted too.
 * Returns what a webhook's POST handler calls first: a request that got as far
 * as the handler is a review, logged by the Reviewer and not here.
 */
export function accountRequests<S extends RawServerBase>(app: FastifyInstance<S>, log: Logger, count: (labels: RequestLabels) => void, now: () => number = Date.now): (request: { raw: object }) => void {
  // Reviews: POSTs to a webhook path that got as far as the handler (marked there: no hook per request for it).
  const reviewed = new WeakSet<object>();
  const windows = new Map<string, ReturnType<typeof logWindow>>();
  // A callback hook, not an async one: no promise and no extra microtask per request.
  app.addHook('onRequest', (request, reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    const method = METHODS.has(request.method) ? request.method : 'other';
    reply.raw.once('close', () => {
      const code = reply.raw.headersSent ? String(reply.raw.statusCode) : 'none';
      count({ route, method, code });
      if (reviewed.has(request.raw)) return;
      let capped = windows.get(code);
      if (capped === undefined) windows.set(code, (capped = logWindow(WINDOW_MS, now)));
      capped((unlogged) => log.warn({
        method: request.method.slice(0, 16),
        path: truncate(request.url.split('?')[0]!, MAX_LOGGED_PATH),
        status: code,
        ...(unlogged > 0 && { unloggedSinceLastLine: unlogged }),
      }, 'request refused'));
    });
    done();
  });
  return (request) => {
    reviewed.add(request.raw);
  };
}
