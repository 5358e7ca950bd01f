// What tracing costs per review, on the main thread: a 5 KB Pod review through
// Reviewer.review and the pipeline (inline executor, builtin
// require-memory-limits) with tracing off, and with tracing on (every review
// sampled, spans exported as OTLP/HTTP protobuf, the default, to a sink on loopback, flushed after each
// batch so the export is counted); and the tracing hooks the review path runs
// when tracing is off, alone. One process, interleaved batches, medians.
//   npx node bench/tracing-cost.ts
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Reviewer, inlineExecutor } from '../src/admission/reviewer.ts';
import { createLogger } from '../src/observability/logger.ts';
import { createMetrics } from '../src/observability/metrics.ts';
import { httpStatus } from '../src/transport/http-answer.ts';
import { activeTracing, childSpan, flushTracing, installTracing, type Tracing } from '../src/observability/tracing/active.ts';
import { endReviewSpan, sampledParent, startReviewSpan } from '../src/observability/tracing/review-span.ts';
import { startTracing } from '../src/observability/tracing/start.ts';
import requireMemoryLimits from '../src/policies/require-memory-limits.ts';
import { median } from './lib/stats.ts';

const BATCH = 200;
const BATCHES = 101;
const HOOK_BATCH = 100_000;

const body = new Uint8Array(readFileSync(new URL('../test/fixtures/pod-create-5k.json', import.meta.url)));
const webhook = requireMemoryLimits;
const headers = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };
const log = createLogger('silent');
const reviewer = new Reviewer({ deadlineMarginMs: 500, execute: inlineExecutor({ log }), log, metrics: createMetrics(), httpStatus });
const clientGone = new AbortController().signal;

// Where the spans go when tracing is on: an OTLP/HTTP endpoint that reads and drops them.
const sink = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
});
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
await startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(sink.address() as AddressInfo).port}` }, log);
const tracingOn = activeTracing() as Tracing;
installTracing(undefined);

async function reviews(): Promise<void> {
  for (let i = 0; i < BATCH; i++) {
    const outcome = await reviewer.review(webhook, body, '10s', clientGone, headers);
    if (outcome.kind !== 'answered' || (outcome.summary.decision !== 'allowed' && outcome.summary.decision !== 'denied')) throw new Error(`unexpected answer: ${JSON.stringify(outcome)}`);
  }
}

/**
 * The calls the review path makes when tracing is off, in order: the server
 * span (Reviewer), the envelope, schema check and handler spans and their
 * optional-chained updates (pipeline), the parent handed to the executor.
 */
let kept = 0;
function offHooks(): void {
  for (let i = 0; i < HOOK_BATCH; i++) {
    const span = startReviewSpan(webhook, headers, 0);
    const trace = span ? sampledParent(span) : undefined;
    const envelope = childSpan(trace, 'envelope');
    envelope?.end();
    const checking = childSpan(trace, 'schema check');
    checking?.set({ 'kadmit.schema.rejected': false });
    checking?.end();
    const handler = childSpan(trace, 'handler');
    handler?.set({ 'kadmit.handler.verdict': 'allowed' });
    handler?.end();
    if (span) endReviewSpan(span, webhook, undefined, undefined);
    if (envelope === undefined && handler === undefined) kept++;
  }
}

type Name = 'off' | 'on' | 'hooks';
const measures: Record<Name, { run: () => Promise<void> | void; per: number }> = {
  off: { run: reviews, per: BATCH },
  on: {
    per: BATCH,
    async run() {
      installTracing(tracingOn);
      try {
        await reviews();
        await flushTracing(10_000);
      } finally {
        installTracing(undefined);
      }
    },
  },
  hooks: { run: offHooks, per: HOOK_BATCH },
};
const names = Object.keys(measures) as Name[];

for (let w = 0; w < 10; w++) for (const n of names) await measures[n].run();
const cpu = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<Name, number[]>;
for (let b = 0; b < BATCHES; b++) {
  for (let k = 0; k < names.length; k++) {
    const n = names[(b + k) % names.length]!;
    const c0 = process.cpuUsage();
    await measures[n].run();
    const c = process.cpuUsage(c0);
    cpu[n].push(((c.user + c.system) * 1000) / measures[n].per); // ns per review
  }
}
sink.close();
if (kept === 0) throw new Error('the off hooks never ran');

const off = median(cpu.off);
const on = median(cpu.on);
const hooks = median(cpu.hooks);
const us = (ns: number) => `${(ns / 1000).toFixed(1).padStart(6)} us CPU`;
console.log(`tracing-cost: node ${process.version}, 5 KB Pod review, webhook ${webhook.name}, inline executor; medians of ${BATCHES} interleaved batches`);
console.log(`  review, tracing off                  ${us(off)}`);
console.log(`  review, tracing on (4 spans, OTLP)   ${us(on)}   +${((on / off - 1) * 100).toFixed(0)}% (${us(on - off).trim()} per review for its spans and their export)`);
console.log(`  the hooks alone, tracing off         ${hooks.toFixed(1).padStart(6)} ns CPU   = ${((hooks / off) * 100).toFixed(3)}% of a review with tracing off`);
