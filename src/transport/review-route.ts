// The apiserver's POST of a review, served straight from Node's request event,
// ahead of fastify: a webhook's one hot path needs none of fastify's generic
// request and reply (a router, a request id and child logger, hooks, a reply
// object, content-type parsing of its own answer), which cost more CPU per
// review than anything else on the main thread but the TLS.
// Everything else the listener answers (unknown paths, other methods, a POST
// while closing) is still fastify's, with the same refusals (refusals.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Webhook } from '../model/webhook.ts';
import type { Reviewer } from '../admission/reviewer.ts';
import { SCAN_ABOVE_BYTES, type JsonLimits } from '../admission/json-limits.ts';
import { httpAnswer } from './http-answer.ts';
import { clientGoneSignal } from './client-gone.ts';
import { readBody } from './body-reader.ts';
import { firstQueryValue } from './query.ts';
import type { RequestAccounting } from './request-accounting.ts';
import { admitPost, errorRefusal, notServed, writeJson, writeRefusal, type PostLimits } from './refusals.ts';

export interface ReviewRouteOptions extends PostLimits {
  /** The webhook paths served, and the webhook each started with. */
  webhooks: readonly Webhook[];
  /** The webhook a path serves now (`serve --watch` swaps them); absent: the one it started with. None: 404. */
  webhookAt?: (path: string) => Webhook | undefined;
  reviewer: Reviewer;
  /** Checked on a large body as it arrives, on a small one once parsed (admission/json-limits.ts). */
  jsonLimits: JsonLimits;
  /** A body larger than this is read into shared memory, for a worker pool to post as it is; absent (no workers): none is. */
  sharedBodiesAbove?: number;
  accounting: RequestAccounting;
  log: Logger;
}

/**
 * Returns the request handler to try first: it takes a POST to a webhook path
 * (the path exactly as served, before any `?`) and returns true; it leaves
 * anything else, and everything once `closing()` is true, to fastify.
 */
export function reviewRoute(options: ReviewRouteOptions, closing: () => boolean): (req: IncomingMessage, res: ServerResponse) => boolean {
  const served = new Map(options.webhooks.map((w) => [w.path, w]));
  return (req, res) => {
    if (req.method !== 'POST' || closing()) return false;
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const webhook = served.get(path);
    if (webhook === undefined) return false;
    serve(options, webhook, path, req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) writeRefusal(res, errorRefusal(err, options.maxBodyBytes, options.log));
    });
    return true;
  };
}

async function serve(options: ReviewRouteOptions, webhook: Webhook, path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const tracked = options.accounting.track(path, 'POST', req.url ?? '', res);
  const admitted = admitPost(req.headers, options);
  if ('refusal' in admitted) return writeRefusal(res, admitted.refusal);
  const ticket = admitted.ticket;
  if (ticket) res.once('close', () => ticket.release());
  // A body that cannot be read rejects, answered by the caller's catch (Node closes the
  // connection after that answer: the request was not read to its end).
  const body = await readBody(req, { maxBodyBytes: options.maxBodyBytes, limits: options.jsonLimits, scanAbove: SCAN_ABOVE_BYTES, sharedAbove: options.sharedBodiesAbove }, ticket && ((bytes) => ticket.add(bytes)));
  tracked.reviewed = true;
  const current = options.webhookAt ? options.webhookAt(path) : webhook;
  if (current === undefined) return writeRefusal(res, notServed(path));
  const gone = clientGoneSignal(req, res);
  let outcome;
  try {
    outcome = await options.reviewer.review(current, body, firstQueryValue(req.url, 'timeout'), gone.signal, req.headers);
  } finally {
    gone.dispose(); // its listeners sit on a keep-alive socket that outlives the request
  }
  const answer = httpAnswer(outcome);
  if (answer !== undefined) writeJson(res, answer.status, answer.body); // undefined: aborted, the socket is gone
}
