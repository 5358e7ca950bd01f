// Spans cross from a review worker to the main thread as plain data: the worker
// records them with the SDK and posts each as it ends; the main thread hands
// them to its own span processors, so one exporter (one connection, one batch
// queue, one flush at shutdown) serves every thread. A worker runs policy code,
// which can post anything on the same port: what arrives is checked and bounded.
import { createTraceState, type HrTime, type SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { Resource } from '@opentelemetry/resources';
import { isValidSpanId, isValidTraceId, parseTracestate } from './traceparent.ts';

export interface WireSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  /** The apiserver's tracestate, carried by every span of its trace. */
  traceState?: string;
  start: HrTime;
  end: HrTime;
  status: { code: number; message?: string };
  attributes: Record<string, string | number | boolean>;
}

export const MAX_SPANS_PER_MESSAGE = 64;
const MAX_NAME = 256;
const MAX_ATTRIBUTES = 32;
const MAX_ATTRIBUTE_KEY = 128;
const MAX_STRING = 1024;
const SAMPLED = 1;

/** What the worker posts for one ended span. */
export function toWire(span: ReadableSpan): WireSpan {
  const { traceId, spanId, traceState } = span.spanContext();
  const state = traceState?.serialize();
  const attributes: WireSpan['attributes'] = {};
  for (const [key, value] of Object.entries(span.attributes)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') attributes[key] = value;
  }
  return {
    name: span.name,
    kind: span.kind,
    traceId,
    spanId,
    ...(span.parentSpanContext && { parentSpanId: span.parentSpanContext.spanId }),
    ...(state && { traceState: state }),
    start: span.startTime,
    end: span.endTime,
    status: { code: span.status.code, ...(span.status.message !== undefined && { message: span.status.message }) },
    attributes,
  };
}

/** The well-formed spans of a message, at most MAX_SPANS_PER_MESSAGE; the rest are dropped. */
export function checkWireSpans(data: unknown): WireSpan[] {
  if (!Array.isArray(data)) return [];
  return data.slice(0, MAX_SPANS_PER_MESSAGE).flatMap((s: unknown) => {
    const span = checkWireSpan(s);
    return span ? [span] : [];
  });
}

function checkWireSpan(data: unknown): WireSpan | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const s = data as Partial<Record<keyof WireSpan, unknown>>;
  if (typeof s.name !== 'string' || typeof s.traceId !== 'string' || typeof s.spanId !== 'string') return undefined;
  if (!isValidTraceId(s.traceId) || !isValidSpanId(s.spanId)) return undefined;
  if (s.parentSpanId !== undefined && (typeof s.parentSpanId !== 'string' || !isValidSpanId(s.parentSpanId))) return undefined;
  if (!Number.isInteger(s.kind) || (s.kind as number) < 0 || (s.kind as number) > 4) return undefined;
  if (!isHrTime(s.start) || !isHrTime(s.end)) return undefined;
  const traceState = s.traceState === undefined ? undefined : parseTracestate(s.traceState);
  if (s.traceState !== undefined && traceState === undefined) return undefined;
  const status = s.status as { code?: unknown; message?: unknown } | undefined;
  if (typeof status !== 'object' || status === null || ![0, 1, 2].includes(status.code as number)) return undefined;
  return {
    name: s.name.slice(0, MAX_NAME),
    kind: s.kind as number,
    traceId: s.traceId,
    spanId: s.spanId,
    ...(s.parentSpanId !== undefined && { parentSpanId: s.parentSpanId }),
    ...(traceState !== undefined && { traceState }),
    start: s.start,
    end: s.end,
    status: { code: status.code as number, ...(typeof status.message === 'string' && { message: status.message.slice(0, MAX_NAME) }) },
    attributes: checkAttributes(s.attributes),
  };
}

function isHrTime(t: unknown): t is HrTime {
  return Array.isArray(t) && t.length === 2 && Number.isSafeInteger(t[0]) && t[0] >= 0 && Number.isInteger(t[1]) && t[1] >= 0 && t[1] < 1e9;
}

function checkAttributes(data: unknown): WireSpan['attributes'] {
  const out: WireSpan['attributes'] = {};
  if (typeof data !== 'object' || data === null) return out;
  for (const [key, value] of Object.entries(data).slice(0, MAX_ATTRIBUTES)) {
    if (key.length > MAX_ATTRIBUTE_KEY) continue;
    if (typeof value === 'string') out[key] = value.slice(0, MAX_STRING);
    else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') out[key] = value;
  }
  return out;
}

/** The span as the main thread's processors take it: sampled, ended, under this thread's resource. */
export function fromWire(span: WireSpan, resource: Resource, scope: { name: string; version: string }): ReadableSpan {
  const duration = subtract(span.end, span.start);
  const traceState = span.traceState === undefined ? undefined : createTraceState(span.traceState);
  return {
    name: span.name,
    kind: span.kind as SpanKind,
    spanContext: () => ({ traceId: span.traceId, spanId: span.spanId, traceFlags: SAMPLED, ...(traceState && { traceState }) }),
    ...(span.parentSpanId !== undefined && { parentSpanContext: { traceId: span.traceId, spanId: span.parentSpanId, traceFlags: SAMPLED, isRemote: false } }),
    startTime: span.start,
    endTime: span.end,
    duration,
    status: span.status,
    attributes: span.attributes,
    links: [],
    events: [],
    ended: true,
    resource,
    instrumentationScope: scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

function subtract(a: HrTime, b: HrTime): HrTime {
  let seconds = a[0] - b[0];
  let nanos = a[1] - b[1];
  if (nanos < 0) {
    seconds -= 1;
    nanos += 1e9;
  }
  return seconds < 0 ? [0, 0] : [seconds, nanos];
}
