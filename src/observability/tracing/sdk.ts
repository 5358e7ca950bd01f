// The OpenTelemetry SDK behind the Tracing interface. Loaded only by a dynamic
// import from start.ts, when tracing is on: with tracing off none of the SDK's
// modules are ever read.
//
// The main thread owns the exporters. A review worker records its spans with
// the SDK too (ids, timing, parent links) but has no exporter: it posts each
// span as it ends (wire-spans.ts) and the main thread feeds it to its own
// processors. So there is one batch queue and one connection per process, and
// flushing at shutdown is one call on one thread, after the workers are done.
import { DiagLogLevel, ROOT_CONTEXT, SpanKind, SpanStatusCode, createTraceState, diag, trace, type Span, type Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type ReadableSpan,
  type Sampler,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { KADMIT_VERSION } from '../../version.ts';
import { errorMessage } from '../../errors.ts';
import type { SpanAttributes, SpanKindName, TraceSpan, Tracing } from './active.ts';
import type { SamplerConfig, TraceExporterName, TracingConfig } from './config.ts';
import type { SpanRef } from './traceparent.ts';
import { checkWireSpans, fromWire, toWire, type WireSpan } from './wire-spans.ts';

const SCOPE = { name: 'kadmit', version: KADMIT_VERSION };
const KINDS: Record<SpanKindName, SpanKind> = { server: SpanKind.SERVER, internal: SpanKind.INTERNAL, client: SpanKind.CLIENT };

class SdkSpan implements TraceSpan {
  readonly #span: Span;
  #ended = false;
  constructor(span: Span) {
    this.#span = span;
  }

  get ref(): SpanRef {
    const c = this.#span.spanContext();
    const state = c.traceState?.serialize();
    return { traceId: c.traceId, spanId: c.spanId, flags: c.traceFlags, ...(state && { state }) };
  }

  set(attributes: SpanAttributes): void {
    for (const [key, value] of Object.entries(attributes)) if (value !== undefined) this.#span.setAttribute(key, value);
  }

  fail(description: string): void {
    if (!this.#ended) this.#span.setStatus({ code: SpanStatusCode.ERROR, message: description });
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#span.end();
  }
}

class SdkTracing implements Tracing {
  readonly #provider: TracerProvider;
  readonly #tracer: Tracer;
  readonly #receive: ((spans: unknown) => void) | undefined;

  constructor(provider: TracerProvider, receive?: (spans: unknown) => void) {
    this.#provider = provider;
    this.#tracer = provider.getTracer(SCOPE.name, SCOPE.version);
    this.#receive = receive;
  }

  start(name: string, kind: SpanKindName, parent: SpanRef | undefined, attributes?: SpanAttributes, startTime?: number): TraceSpan {
    const context = parent === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, {
      traceId: parent.traceId,
      spanId: parent.spanId,
      traceFlags: parent.flags,
      isRemote: true,
      ...(parent.state !== undefined && { traceState: createTraceState(parent.state) }),
    });
    // The SDK starts a span at Date.now() (and ends one given its start at Date.now()): a start
    // in epoch milliseconds from Date.now() is on the same clock, so a child never seems to start
    // before its parent. (The performance clock drifts from Date.now() by milliseconds in a
    // long-lived process, and its origin differs between threads.)
    const span = new SdkSpan(this.#tracer.startSpan(name, { kind: KINDS[kind], ...(startTime !== undefined && { startTime }) }, context));
    if (attributes) span.set(attributes);
    return span;
  }

  async flush(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#provider.forceFlush({ timeoutMillis: timeoutMs }).catch((err: unknown) => diag.error(`span export failed: ${errorMessage(err)}`)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]).finally(() => clearTimeout(timer));
  }

  receiveWorkerSpans(spans: unknown): void {
    this.#receive?.(spans);
  }
}

function samplerOf(config: SamplerConfig): Sampler {
  const root = config.root === 'always_on' ? new AlwaysOnSampler() : config.root === 'always_off' ? new AlwaysOffSampler() : new TraceIdRatioBasedSampler(config.ratio);
  return config.parentBased ? new ParentBasedSampler({ root }) : root;
}

function exporterOf(name: TraceExporterName, config: TracingConfig): SpanExporter {
  if (name === 'console') return new ConsoleSpanExporter();
  const options = { url: config.otlp.url, headers: config.otlp.headers, timeoutMillis: config.otlp.timeoutMs };
  return config.otlp.protocol === 'http/json' ? new JsonExporter(options) : new ProtobufExporter(options);
}

function resourceOf(config: TracingConfig): Resource {
  return resourceFromAttributes({ 'service.version': KADMIT_VERSION, ...config.resourceAttributes, 'service.name': config.serviceName });
}

/** The main thread's tracing: the configured sampler and exporters, and the spans workers post. */
export function mainThreadTracing(config: TracingConfig, log: Logger): Tracing {
  // The SDK reports failed exports through its diagnostics logger: to kadmit's log, as warnings.
  const warn = (message: string) => log.warn({ component: 'tracing' }, message.slice(0, 1024));
  const quiet = () => undefined;
  diag.setLogger({ error: warn, warn, info: quiet, debug: quiet, verbose: quiet }, DiagLogLevel.WARN);
  const resource = resourceOf(config);
  const processors: SpanProcessor[] = config.exporters.map((name) => new BatchSpanProcessor({ exporter: exporterOf(name, config) }));
  const provider = new TracerProvider({ sampler: samplerOf(config.sampler), resource, spanProcessors: processors });
  return new SdkTracing(provider, (data) => {
    for (const wire of checkWireSpans(data)) {
      const span = fromWire(wire, resource, SCOPE);
      for (const p of processors) p.onEnd(span);
    }
  });
}

/**
 * A worker's tracing: it only continues traces the main thread sampled (the
 * reviewer passes a parent only then), and posts each span as it ends.
 */
export function workerTracing(post: (spans: WireSpan[]) => void): Tracing {
  const forward: SpanProcessor = {
    onStart: () => undefined,
    onEnd: (span: ReadableSpan) => post([toWire(span)]),
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
  return new SdkTracing(new TracerProvider({ sampler: new AlwaysOnSampler(), spanProcessors: [forward] }));
}
