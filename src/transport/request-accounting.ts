// Every request the webhook listener answers is counted: the reviews, and the
// ones the transport refuses itself (404 unknown path, 405 method, 413 too
// large, 415 media type, 429 shed). Labels are bounded: the webhook path the
// request matched (never the URL it asked for), the method from a fixed set,
// the status code ('none' when the client left before an answer). A refused
// request never reaches the Reviewer, which logs every review; so it is logged
// here (a misconfigured webhook path shows at once), at most one line per
// status code per 10 s.
import type { ServerResponse } from 'node:http';
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

/** One request being answered. */
export interface TrackedRequest {
  /** Set once its body is read and it goes on to a webhook (the Reviewer logs a review): then counted, not logged here. */
  reviewed: boolean;
}

export interface RequestAccounting {
  /** Counts (and, unless reviewed, logs) the request when its response closes. */
  track(route: string, method: string, url: string, res: ServerResponse): TrackedRequest;
}

export const UNMATCHED_ROUTE = 'unmatched';
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);
const WINDOW_MS = 10_000;
const MAX_LOGGED_PATH = 256;

export function requestAccounting(log: Logger, count: (labels: RequestLabels) => void, now: () => number = Date.now): RequestAccounting {
  const windows = new Map<string, ReturnType<typeof logWindow>>();
  const refused = (method: string, url: string, code: string) => {
    let capped = windows.get(code);
    if (capped === undefined) windows.set(code, (capped = logWindow(WINDOW_MS, now)));
    capped((unlogged) => log.warn({
      method: method.slice(0, 16),
      path: truncate(url.split('?')[0]!, MAX_LOGGED_PATH),
      status: code,
      ...(unlogged > 0 && { unloggedSinceLastLine: unlogged }),
    }, 'request refused'));
  };
  return {
    track(route, method, url, res) {
      const tracked: TrackedRequest = { reviewed: false };
      res.once('close', () => {
        const code = res.headersSent ? String(res.statusCode) : 'none';
        count({ route, method: METHODS.has(method) ? method : 'other', code });
        if (!tracked.reviewed) refused(method, url, code);
      });
      return tracked;
    },
  };
}

/**
 * Tracks every request fastify answers; register it before any hook that may
 * answer (the media-type check), so that its answers are counted too. A review's
 * POST is served before fastify (review-route.ts) and tracked there.
 */
export function accountRequests<S extends RawServerBase>(app: FastifyInstance<S>, accounting: RequestAccounting): void {
  // A callback hook, not an async one: no promise and no extra microtask per request.
  app.addHook('onRequest', (request, reply, done) => {
    accounting.track(request.routeOptions.url ?? UNMATCHED_ROUTE, request.method, request.url, reply.raw as ServerResponse);
    done();
  });
}
