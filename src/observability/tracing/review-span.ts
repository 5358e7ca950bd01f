// The server span of one review, on the main thread: it continues the
// apiserver's traceparent, spans the whole review from the body's arrival to the
// answer, and carries what the review was and how it was answered. Its status is
// ERROR when the failurePolicy answered (an error, a deadline, shutdown) or the
// request was refused, so a trace search for errors finds exactly those.
import { activeTracing, type TraceSpan } from './active.ts';
import { parseTraceparent, type SpanRef } from './traceparent.ts';

/** What the span reads of the webhook (the webhook's own type lives above this layer). */
export interface TracedWebhook {
  name: string;
  path: string;
  failurePolicy: string;
}

/** What the span reads of an answer. */
export interface TracedAnswer {
  status: number;
  summary: { decision: string; code: number; uid?: string; kind?: string; namespace?: string; operation?: string; failure?: string; dryRun?: boolean };
}

const SAMPLED = 1;
const MAX_UID = 128;

/** The review's server span, from `receivedAt` (epoch ms), when tracing is on; the headers are read only then. */
export function startReviewSpan(webhook: TracedWebhook, headers: Readonly<Record<string, unknown>> | undefined, receivedAt: number): TraceSpan | undefined {
  const tracing = activeTracing();
  if (tracing === undefined) return undefined;
  const parent = parseTraceparent(headers?.traceparent, headers?.tracestate);
  return tracing.start(`admission ${webhook.name}`, 'server', parent, {
    'kadmit.webhook': webhook.name,
    'http.request.method': 'POST',
    'url.path': webhook.path,
  }, receivedAt);
}

/** The parent for the review's child spans: only a sampled span has children recorded. */
export function sampledParent(span: TraceSpan | undefined): SpanRef | undefined {
  return span !== undefined && (span.ref.flags & SAMPLED) !== 0 ? span.ref : undefined;
}

/** Records how the review was answered (undefined: the client went away first) and ends the span. */
export function endReviewSpan(span: TraceSpan, webhook: TracedWebhook, answer: TracedAnswer | undefined, abort: string | undefined): void {
  if (answer === undefined) {
    span.set({ 'kadmit.review.outcome': 'abandoned', 'kadmit.review.abort': abort });
    span.fail('client went away before the answer');
    span.end();
    return;
  }
  const s = answer.summary;
  span.set({
    'kadmit.review.uid': s.uid?.slice(0, MAX_UID),
    'kadmit.review.kind': s.kind,
    'kadmit.review.operation': s.operation,
    'kadmit.review.namespace': s.namespace,
    'kadmit.review.dry_run': s.dryRun,
    'kadmit.review.outcome': s.decision,
    'kadmit.review.allowed': allowedOf(s.decision, webhook.failurePolicy),
    'kadmit.review.code': s.code,
    'kadmit.review.failure': s.failure,
    'kadmit.review.abort': abort,
    'http.response.status_code': answer.status,
  });
  if (s.decision === 'error') span.fail(`answered by failurePolicy ${webhook.failurePolicy}: ${s.failure ?? 'error'}`);
  else if (answer.status >= 400) span.fail(`HTTP ${answer.status}: ${s.failure ?? 'refused'}`);
  span.end();
}

function allowedOf(decision: string, failurePolicy: string): boolean | undefined {
  if (decision === 'denied') return false;
  if (decision === 'error') return failurePolicy === 'Ignore';
  return decision === 'invalid' ? undefined : true;
}
