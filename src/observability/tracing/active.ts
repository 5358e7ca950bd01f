// What the review path sees of tracing: one module-level slot that is empty
// unless tracing was started (start.ts loads the SDK only then). Every hook in
// the pipeline starts with a check of that slot or of the review's parent span,
// so with tracing off a review pays a few undefined checks and nothing else.
import type { SpanRef } from './traceparent.ts';

export type SpanKindName = 'server' | 'internal' | 'client';
export type SpanAttributes = Record<string, string | number | boolean | undefined>;

export interface TraceSpan {
  /** This span as a parent for children on this thread or another. */
  readonly ref: SpanRef;
  set(attributes: SpanAttributes): void;
  /** Marks the span failed (status ERROR) with a short description; ignored once ended. */
  fail(description: string): void;
  /** Ends the span; a second call does nothing. */
  end(): void;
}

export interface Tracing {
  /**
   * A span under `parent` (a remote or cross-thread span), or a new trace's root
   * when there is none; it starts now, or at `startTime` (epoch milliseconds).
   */
  start(name: string, kind: SpanKindName, parent: SpanRef | undefined, attributes?: SpanAttributes, startTime?: number): TraceSpan;
  /** Exports what has ended so far, giving up after `timeoutMs`. */
  flush(timeoutMs: number): Promise<void>;
  /** Spans a review worker finished, to export with this thread's (the main thread only). */
  receiveWorkerSpans?(spans: unknown): void;
}

let active: Tracing | undefined;

export function activeTracing(): Tracing | undefined {
  return active;
}

export function installTracing(tracing: Tracing | undefined): void {
  active = tracing;
}

/** A child of `parent` when the review is traced; undefined (and free) when it is not. */
export function childSpan(parent: SpanRef | undefined, name: string, attributes?: SpanAttributes): TraceSpan | undefined {
  return parent === undefined || active === undefined ? undefined : active.start(name, 'internal', parent, attributes);
}

/** Ends `span` around a result: failed with the error's message when `work` rejects. */
export function endWhenSettled<T>(span: TraceSpan, work: Promise<T>): Promise<T> {
  return work.then(
    (value) => {
      span.end();
      return value;
    },
    (err: unknown) => {
      endFailed(span, err);
      throw err;
    },
  );
}

/** Ends `span` as failed by `err`, described by its code or class only: messages can hold object data. */
export function endFailed(span: TraceSpan, err: unknown): void {
  const code = (err as { code?: unknown } | null)?.code;
  span.fail(typeof code === 'string' ? code.slice(0, 64) : err instanceof Error ? err.name.slice(0, 64) : 'error');
  span.end();
}

/** Ends `span`, failed with the answer's failure code, and passes the answer on. */
export function endedWith<T extends { summary: { failure?: string } }>(span: TraceSpan | undefined, answer: T): T {
  if (span) {
    span.fail(answer.summary.failure ?? 'refused');
    span.end();
  }
  return answer;
}

/** Exports what has ended, within `timeoutMs`; nothing to do when tracing is off. */
export function flushTracing(timeoutMs: number): Promise<void> {
  return active === undefined ? Promise.resolve() : active.flush(timeoutMs);
}
