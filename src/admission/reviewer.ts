// Runs one review to an answer that is on time and written once. The work itself
// (pipeline.ts) runs in an executor, inline or in a worker; this module owns the
// deadline, the race against it, the failurePolicy answer when the work is late,
// and the per-review log line and metrics. It returns a typed outcome and never
// picks an HTTP status: the transport's mapping is handed in, for the log line.
import type { Logger } from 'pino';
import type { Webhook } from '../model/webhook.ts';
import { reviewBudget } from './deadline.ts';
import { createReviewSignal, formatSeconds } from './review-signal.ts';
import { abortKindOf, type AbortKind, type ReviewAbortedError } from './abort.ts';
import { aborted, type ReviewEnd, type ReviewOutcome, type ReviewSummary } from '../model/outcome.ts';
import { runReview, type PipelineContext } from './pipeline.ts';
import { scanJson, type ReceivedBody, type ReviewHead } from './body-scan.ts';
import { DEFAULT_JSON_LIMITS, scannedBeforeParse, type JsonLimits } from './json-limits.ts';
import { overLimitAnswer, unfinishedAnswer } from './head-answer.ts';
import { internalError, type Unfinished } from './failure.ts';
import type { Metrics } from '../observability/metrics.ts';
import { endReviewSpan, sampledParent, startReviewSpan } from '../observability/tracing/review-span.ts';
import type { SpanRef } from '../observability/tracing/traceparent.ts';
import { SlotTable } from '../slot-table.ts';
import { reviewLineWriter } from '../observability/review-line.ts';

export interface ExecutionContext {
  signal: AbortSignal;
  deadline: number;
  /** The review's span when it is traced: the parent of the spans the work records. */
  trace?: SpanRef;
}

/** Runs the pipeline for one review somewhere (this thread or a worker). */
export type Executor = (webhook: Webhook, body: Uint8Array, ctx: ExecutionContext) => Promise<ReviewOutcome>;

/**
 * The executor without workers: the pipeline on this thread, in the turn of the
 * event loop after the one its body arrived in, with the other reviews that
 * arrived meanwhile. Run at once, inside the socket's read callback and with its
 * reply written from there, a review cost 156-211 µs of CPU against 118-129 µs
 * this way (`--workers 0` on one core, 5 KB Pod reviews over 16 connections,
 * three alternated pairs); the worker pool sends a turn's reviews together too.
 */
export function inlineExecutor(options: Omit<PipelineContext, keyof ExecutionContext>): Executor {
  return async (webhook, body, ctx) => {
    await nextTurn();
    return runReview(webhook, body, { ...ctx, ...options });
  };
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface ReviewerOptions {
  deadlineMarginMs: number;
  execute: Executor;
  /** The limits a body is scanned against: one handed over as plain bytes, or a small one whose head is needed unparsed. */
  limits?: JsonLimits;
  log: Logger;
  metrics: Metrics;
  /** The HTTP status an outcome is written with (transport/http-answer.ts): the code a refusal's log line names. */
  httpStatus: (outcome: ReviewOutcome) => number;
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
  /** Read off the bytes only when /debug/inflight asks (a small body is not scanned). */
  head: () => ReviewHead;
  startedAt: number;
  deadline: number;
  signal: AbortSignal;
}

/** Longest uid shown in /debug/inflight. */
const SHOWN_UID = 64;

export class Reviewer {
  readonly #options: ReviewerOptions;
  readonly #shutdown = new AbortController();
  readonly #fallbackLogged = new Set<string>();
  /** Not a Map keyed by a counter: see slot-table.ts. */
  readonly #inFlight = new SlotTable<InFlightEntry>();
  readonly #reviewLine: ReturnType<typeof reviewLineWriter>;

  constructor(options: ReviewerOptions) {
    this.#options = options;
    this.#reviewLine = reviewLineWriter(options.log);
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
    // Oldest first, as they arrived (the table's order is its slots').
    return this.#inFlight.values().sort((a, b) => a.startedAt - b.startedAt).map((e) => ({
      uid: e.head().uid?.slice(0, SHOWN_UID),
      webhook: e.webhook,
      ageMs: now - e.startedAt,
      deadline: new Date(e.deadline).toISOString(),
      state: e.signal.aborted ? `aborting (${(e.signal.reason as ReviewAbortedError).kind})` : 'running',
    }));
  }

  /**
   * Answers one review. `body` comes from the transport's scanning reader, or as
   * bytes (scanned here). Resolves to an `aborted` outcome when the client went
   * away first: there is nobody to answer.
   */
  async review(webhook: Webhook, body: Uint8Array | ReceivedBody, timeoutParam: string | undefined, clientGone: AbortSignal, headers?: Readonly<Record<string, unknown>>): Promise<ReviewEnd> {
    const { log, metrics } = this.#options;
    const limits = this.#options.limits ?? DEFAULT_JSON_LIMITS;
    const received = body instanceof Uint8Array ? bytesReceived(body, limits) : body;
    // Only the answers written without the pipeline read the head: a body not
    // scanned yet (json-limits.ts) is scanned then.
    let scannedHead = received.scan?.head;
    const head = () => (scannedHead ??= scanJson(received.bytes, limits).head);
    const started = performance.now() - (Date.now() - received.receivedAt);
    const budget = reviewBudget(timeoutParam, webhook.timeoutSeconds, this.#options.deadlineMarginMs);
    if (budget.fallback && !this.#fallbackLogged.has(webhook.name)) {
      this.#fallbackLogged.add(webhook.name);
      log.warn({ webhook: webhook.name, timeout: timeoutParam, problem: budget.fallback, usedMs: budget.timeoutMs },
        "?timeout= is missing or unusable; using the webhook's timeoutSeconds (logged once per webhook)");
    }
    // The apiserver's clock started before the body arrived: so does the deadline.
    const deadline = received.receivedAt + budget.budgetMs;
    const review = createReviewSignal(deadline, budget.budgetMs, clientGone, this.#shutdown.signal);
    const span = startReviewSpan(webhook, headers, received.receivedAt); // undefined unless tracing is on
    const entryId = this.#inFlight.add({ webhook: webhook.name, head, startedAt: received.receivedAt, deadline, signal: review.signal });
    metrics.inFlight.inc({ webhook: webhook.name });
    let outcome: ReviewEnd;
    try {
      if (received.scan?.problem) outcome = overLimitAnswer(received.scan.head, received.scan.problem);
      else if (review.signal.aborted) outcome = this.#abortedOutcome(webhook, head(), abortKindOf(review.signal)!, budget.budgetMs);
      // A body that took the whole budget to arrive is answered now, not worked on.
      else if (Date.now() >= deadline) outcome = this.#abortedOutcome(webhook, head(), 'deadline-exceeded', budget.budgetMs);
      else {
        const work = this.#options.execute(webhook, received.bytes, span ? { signal: review.signal, deadline, trace: sampledParent(span) } : { signal: review.signal, deadline });
        const first = await settleOrAbort(work, review.signal);
        if ('outcome' in first) outcome = first.outcome;
        else {
          this.#discardLate(work, webhook, first.kind);
          outcome = this.#abortedOutcome(webhook, head(), first.kind, budget.budgetMs);
        }
      }
    } catch (err) {
      // The executor itself failed (not the handler: the pipeline turns handler errors
      // into answers). Past the deadline that is a deadline answer whichever came first.
      outcome = Date.now() >= deadline
        ? this.#abortedOutcome(webhook, head(), 'deadline-exceeded', budget.budgetMs)
        : this.#executorFailed(webhook, head(), err);
    } finally {
      review.dispose();
      this.#inFlight.delete(entryId);
      metrics.inFlight.dec({ webhook: webhook.name });
    }
    const seconds = (performance.now() - started) / 1000;
    const abort = abortKindOf(review.signal);
    const answer = outcome.kind === 'aborted' ? undefined : answerOf(outcome, this.#options.httpStatus(outcome));
    if (span) endReviewSpan(span, webhook, answer, abort);
    if (abort) metrics.aborts.inc({ webhook: webhook.name, kind: abort });
    if (answer === undefined) {
      log.info({ webhook: webhook.name, uid: head().uid, abort, durationMs: Math.round(seconds * 1000) }, 'review abandoned: client went away');
      metrics.reviews.inc({ webhook: webhook.name, operation: 'unknown', decision: 'abandoned' });
      return outcome;
    }
    const s = answer.summary;
    if (s.decision === 'error') metrics.failureAnswers.inc({ webhook: webhook.name, cause: s.failure ?? 'unknown' });
    metrics.reviews.inc({ webhook: webhook.name, operation: s.operation ?? 'unknown', decision: s.decision });
    metrics.duration.observe({ webhook: webhook.name }, seconds);
    // Skipped reviews (guards) are routine noise, e.g. every kube-system Pod: debug only.
    this.#reviewLine(s.decision === 'skipped' ? 'debug' : 'info', { webhook: webhook.name, summary: s, abort, durationMs: Number((seconds * 1000).toFixed(2)) });
    return outcome;
  }

  /** The failurePolicy answer for work cut short; `aborted` when the client is gone. */
  #abortedOutcome(webhook: Webhook, head: ReviewHead, kind: AbortKind, budgetMs: number): ReviewEnd {
    if (kind === 'client-disconnected') return aborted(head.uid);
    const unfinished: Unfinished = kind === 'deadline-exceeded'
      ? { cause: kind, problem: `did not decide within ${formatSeconds(budgetMs)}`, code: 504 }
      : { cause: kind, problem: 'could not decide: kadmit is shutting down', code: 503 };
    return unfinishedAnswer(webhook, head, unfinished);
  }

  #executorFailed(webhook: Webhook, head: ReviewHead, err: unknown): ReviewOutcome {
    return unfinishedAnswer(webhook, head, internalError(this.#options.log, 'review executor failed', { webhook: webhook.name, uid: head.uid }, err, 'executor-error'));
  }

  #discardLate(work: Promise<ReviewOutcome>, webhook: Webhook, kind: AbortKind): void {
    const late = () => this.#options.metrics.lateResults.inc({ webhook: webhook.name });
    work.finally(late).then(
      (late) => this.#options.log.warn({ webhook: webhook.name, uid: late.summary.uid, abort: kind, lateDecision: late.summary.decision }, 'late handler result discarded'),
      (err) => this.#options.log.warn({ webhook: webhook.name, abort: kind, err }, 'late handler failure discarded'),
    );
  }
}

/** Bytes handed over whole: scanned now when they are too large to parse unchecked (json-limits.ts). */
function bytesReceived(bytes: Uint8Array, limits: JsonLimits): ReceivedBody {
  const receivedAt = Date.now();
  return scannedBeforeParse(bytes.byteLength) ? { bytes, scan: scanJson(bytes, limits), receivedAt } : { bytes, receivedAt };
}

/** The status and the summary with its code: a refusal's code is the HTTP status it is written with. */
function answerOf(outcome: ReviewOutcome, status: number): { status: number; summary: ReviewSummary } {
  const refused = outcome.kind === 'bad-envelope' || outcome.kind === 'too-large';
  return { status, summary: refused ? { ...outcome.summary, code: status } : outcome.summary };
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
