// Runs one review to an answer that is on time and written once. The work itself
// (pipeline.ts) runs in an executor, inline or in a worker; this module owns the
// deadline, the race against it, the failurePolicy answer when the work is late,
// and the per-review log line and metrics.
import type { Logger } from 'pino';
import type { Webhook } from '../webhooks/define.ts';
import { reviewBudget } from './deadline.ts';
import { createReviewSignal, formatSeconds } from './review-signal.ts';
import { ReviewAbortedError, type AbortKind } from './abort.ts';
import { decodeReview, EnvelopeError } from './envelope.ts';
import { failureResponse } from './failure.ts';
import { errorBody, reviewBody, type ReviewOutcome } from './reply.ts';
import { runReview, summarize, type PipelineContext } from './pipeline.ts';
import { errorMessage } from '../errors.ts';
import type { Metrics } from '../observability/metrics.ts';

export interface ExecutionContext {
  signal: AbortSignal;
  deadline: number;
}

/** Runs the pipeline for one review somewhere (this thread or a worker). */
export type Executor = (webhook: Webhook, body: Uint8Array, ctx: ExecutionContext) => Promise<ReviewOutcome>;

/** The executor without workers: the pipeline on this thread. */
export function inlineExecutor(options: Omit<PipelineContext, keyof ExecutionContext>): Executor {
  return (webhook, body, ctx) => runReview(webhook, body, { ...ctx, ...options });
}

export interface ReviewerOptions {
  deadlineMarginMs: number;
  execute: Executor;
  log: Logger;
  metrics: Metrics;
}

export interface InFlightReview {
  uid: string | undefined;
  webhook: string;
  ageMs: number;
  deadline: string;
  state: string;
}

interface InFlightEntry {
  webhook: string;
  startedAt: number;
  deadline: number;
  signal: AbortSignal;
  body: Uint8Array;
}

export class Reviewer {
  readonly #options: ReviewerOptions;
  readonly #shutdown = new AbortController();
  readonly #fallbackLogged = new Set<string>();
  readonly #inFlight = new Map<number, InFlightEntry>();
  #nextId = 0;

  constructor(options: ReviewerOptions) {
    this.#options = options;
  }

  /** Aborts every review still running with kind `shutdown`. */
  shutdown(): void {
    this.#shutdown.abort();
  }

  /** The long-lived signal every review listens to; exposed for the leak check. */
  get shutdownSignal(): AbortSignal {
    return this.#shutdown.signal;
  }

  get inFlightCount(): number {
    return this.#inFlight.size;
  }

  /** Every review from arrival to reply, for /debug/inflight: no object bodies. */
  inFlight(): InFlightReview[] {
    const now = Date.now();
    return [...this.#inFlight.values()].map((e) => ({
      uid: requestUid(e.body),
      webhook: e.webhook,
      ageMs: now - e.startedAt,
      deadline: new Date(e.deadline).toISOString(),
      state: e.signal.aborted ? `aborting (${(e.signal.reason as ReviewAbortedError).kind})` : 'running',
    }));
  }

  /**
   * Answers one review. Resolves to undefined when the client went away first:
   * there is nobody to answer.
   */
  async review(webhook: Webhook, body: Uint8Array, timeoutParam: string | undefined, clientGone: AbortSignal): Promise<ReviewOutcome | undefined> {
    const { log, metrics } = this.#options;
    const started = performance.now();
    const budget = reviewBudget(timeoutParam, webhook.timeoutSeconds, this.#options.deadlineMarginMs);
    if (budget.fallback && !this.#fallbackLogged.has(webhook.name)) {
      this.#fallbackLogged.add(webhook.name);
      log.warn({ webhook: webhook.name, timeout: timeoutParam, problem: budget.fallback, usedMs: budget.timeoutMs },
        "?timeout= is missing or unusable; using the webhook's timeoutSeconds (logged once per webhook)");
    }
    const deadline = Date.now() + budget.budgetMs;
    const review = createReviewSignal(deadline, budget.budgetMs, clientGone, this.#shutdown.signal);
    const entryId = this.#nextId++;
    this.#inFlight.set(entryId, { webhook: webhook.name, startedAt: Date.now(), deadline, signal: review.signal, body });
    metrics.inFlight.inc({ webhook: webhook.name });
    let outcome: ReviewOutcome | undefined;
    try {
      const work = this.#options.execute(webhook, body, { signal: review.signal, deadline });
      const first = await settleOrAbort(work, review.signal);
      if ('outcome' in first) outcome = first.outcome;
      else {
        this.#discardLate(work, webhook, first.kind);
        outcome = first.kind === 'client-disconnected' ? undefined : this.#abortedOutcome(webhook, body, first.kind, budget.budgetMs);
      }
    } catch (err) {
      // The executor itself failed (not the handler: the pipeline turns handler errors
      // into answers). Past the deadline that is a deadline answer whichever came first.
      outcome = Date.now() >= deadline
        ? this.#abortedOutcome(webhook, body, 'deadline-exceeded', budget.budgetMs)
        : this.#abortedOutcome(webhook, body, undefined, budget.budgetMs, err);
    } finally {
      review.dispose();
      this.#inFlight.delete(entryId);
      metrics.inFlight.dec({ webhook: webhook.name });
    }
    const seconds = (performance.now() - started) / 1000;
    const abort = review.signal.aborted ? (review.signal.reason as ReviewAbortedError).kind : undefined;
    if (abort) metrics.aborts.inc({ webhook: webhook.name, kind: abort });
    if (outcome === undefined) {
      log.info({ webhook: webhook.name, abort, durationMs: Math.round(seconds * 1000) }, 'review abandoned: client went away');
      metrics.reviews.inc({ webhook: webhook.name, operation: 'unknown', decision: 'abandoned' });
      return undefined;
    }
    const s = outcome.summary;
    if (s.decision === 'error') metrics.failureAnswers.inc({ webhook: webhook.name, cause: s.failure ?? 'unknown' });
    metrics.reviews.inc({ webhook: webhook.name, operation: s.operation ?? 'unknown', decision: s.decision });
    metrics.duration.observe({ webhook: webhook.name }, seconds);
    log.info({ webhook: webhook.name, ...s, ...(abort && { abort }), durationMs: Number((seconds * 1000).toFixed(2)) }, 'review');
    return outcome;
  }

  /** The failurePolicy answer when the work did not finish: deadline, shutdown, or a broken executor. */
  #abortedOutcome(webhook: Webhook, body: Uint8Array, kind: AbortKind | undefined, budgetMs: number, err?: unknown): ReviewOutcome {
    let decoded;
    try {
      decoded = decodeReview(JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')));
    } catch (e) {
      const code = e instanceof EnvelopeError ? e.code : 'KADMIT_BODY_NOT_JSON';
      return { status: 400, body: errorBody(code, errorMessage(e)), summary: { decision: 'invalid', code: 400, failure: code } };
    }
    const problem =
      kind === 'deadline-exceeded' ? `did not decide within ${formatSeconds(budgetMs)}`
      : kind === 'shutdown' ? 'could not decide: kadmit is shutting down'
      : `failed with an internal error (${errorMessage(err)})`;
    const code = kind === 'deadline-exceeded' ? 504 : kind === 'shutdown' ? 503 : 500;
    const response = failureResponse(decoded.request.uid, webhook, problem, code);
    const summary = summarize(decoded.request);
    summary.decision = 'error';
    summary.code = response.status?.code ?? 200;
    summary.failure = kind ?? 'executor-error';
    if (err !== undefined) this.#options.log.error({ webhook: webhook.name, uid: decoded.request.uid, err }, 'review executor failed');
    return { status: 200, body: reviewBody(decoded.version, response), summary };
  }

  #discardLate(work: Promise<ReviewOutcome>, webhook: Webhook, kind: AbortKind): void {
    const late = () => this.#options.metrics.lateResults.inc({ webhook: webhook.name });
    work.finally(late).then(
      (late) => this.#options.log.warn({ webhook: webhook.name, uid: late.summary.uid, abort: kind, lateDecision: late.summary.decision }, 'late handler result discarded'),
      (err) => this.#options.log.warn({ webhook: webhook.name, abort: kind, err }, 'late handler failure discarded'),
    );
  }
}

/**
 * The request uid for display, found without parsing the body: the apiserver
 * writes `request` with `uid` as its first field.
 */
function requestUid(body: Uint8Array): string | undefined {
  const head = Buffer.from(body.buffer, body.byteOffset, Math.min(body.byteLength, 4096)).toString('utf8');
  return /"request"\s*:\s*\{\s*"uid"\s*:\s*"([^"\\]{1,128})"/.exec(head)?.[1];
}

/** Waits for the work or the abort, whichever is first, leaving no listener behind. */
function settleOrAbort(work: Promise<ReviewOutcome>, signal: AbortSignal): Promise<{ outcome: ReviewOutcome } | { kind: AbortKind }> {
  if (signal.aborted) return Promise.resolve({ kind: (signal.reason as ReviewAbortedError).kind });
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve({ kind: (signal.reason as ReviewAbortedError).kind });
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (outcome) => {
        signal.removeEventListener('abort', onAbort);
        resolve({ outcome });
      },
      (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
