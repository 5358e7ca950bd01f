// Messages between the main thread and review workers, and the shared-memory
// words they coordinate through. Kept tiny: the body goes in as bytes and the
// serialised reply comes back, so each review costs one message back, and the
// reviews sent in one turn of the event loop one message there.
import type { ReviewOutcome } from '../model/outcome.ts';
import type { AbortKind } from '../admission/abort.ts';
import type { ServeConfig } from '../config/options.ts';
import { jsonLimitsOf } from '../config/body-limits.ts';
import type { JsonLimits } from '../admission/json-limits.ts';
import type { LoopDelay } from '../observability/loop-delay.ts';
import { activeTracing } from '../observability/tracing/active.ts';
import type { SpanRef } from '../observability/tracing/traceparent.ts';

export interface WorkerSetup {
  webhookSpecs: readonly string[];
  crdFiles: readonly string[];
  celCostLimit: number;
  settings: Readonly<Record<string, unknown>>;
  cwd: string;
  logLevel: string;
  logObjects: boolean;
  /** What a body too small to be scanned on arrival is held to once parsed (admission/json-limits.ts). */
  jsonLimits: JsonLimits;
  /** The main thread traces reviews: the worker records its spans and posts them back. */
  tracing: boolean;
  /** Int32 words: [0] heartbeat counter, then one claim word per slot. */
  shared: SharedArrayBuffer;
}

/** What a worker needs to load the webhooks and schemas `kadmit serve` was configured with. */
export function workerSetup(config: ServeConfig, logLevel: string = config.logLevel): Omit<WorkerSetup, 'shared'> {
  return {
    webhookSpecs: config.webhooks,
    crdFiles: config.crds,
    celCostLimit: config.celCostLimit,
    settings: config.settings as Record<string, unknown>,
    cwd: process.cwd(),
    logLevel,
    logObjects: config.logObjects,
    jsonLimits: jsonLimitsOf(config),
    tracing: activeTracing() !== undefined,
  };
}

export interface ReviewMessage {
  type: 'review';
  id: number;
  slot: number;
  webhook: number;
  body: Uint8Array;
  deadline: number;
  /** The review's span, when it is traced: the worker's spans go under it. */
  trace?: SpanRef;
}

/** The reviews sent in one turn of the main thread's event loop: one wake-up of the worker for all of them. */
export interface ReviewBatch {
  type: 'reviews';
  reviews: ReviewMessage[];
}

export interface AbortMessage {
  type: 'abort';
  id: number;
  /** The review's slot, where the worker finds it (and checks the id). */
  slot: number;
  kind: AbortKind;
}

/** Asks for the worker's event-loop delay since the last ask (for /metrics). */
export interface LoopDelayRequest {
  type: 'loop-delay';
  id: number;
}

export type ToWorker = ReviewMessage | ReviewBatch | AbortMessage | LoopDelayRequest;

export type FromWorker =
  | { type: 'ready'; webhooks: string[] }
  /** An answer names the review's id and its slot (the pool finds the review by slot and checks the id). */
  | { type: 'done'; id: number; slot: number; outcome: ReviewOutcome }
  | { type: 'failed'; id: number; slot: number; message: string }
  /** A log line from the worker, written by the main thread's logger. */
  | { type: 'log'; line: string }
  /** Spans the worker recorded and ended (wire-spans.ts), for the main thread's exporter. */
  | { type: 'spans'; spans: unknown[] }
  | { type: 'loop-delay'; id: number; delay: LoopDelay | undefined };

export const HEARTBEAT = 0;
export const SLOT_BASE = 1;
export const SLOTS = 1024;

// A slot's claim word holds 0 when free, the review id while queued, and minus
// the id once the worker has started it. Whoever moves the word away from the id
// owns the review, so one taken back from a stalled worker can never also run
// there, and a late message for a reused slot finds another id and is skipped.
export const FREE = 0;

export const HEARTBEAT_INTERVAL_MS = 10;
