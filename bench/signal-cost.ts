// What the deadline machinery costs per review, on the main thread: Reviewer.review
// (budget from ?timeout=, createReviewSignal with its timer and listeners, the
// race in settleOrAbort, in-flight registry, metrics, a silent log call) around
// an executor that returns a canned outcome, against awaiting that executor
// directly, and createReviewSignal + dispose alone. The Reviewer is given the body
// as the transport gives a 5 KB one: read, not scanned (admission/json-limits.ts:
// the pipeline checks it once parsed). One process, interleaved batches,
// medians of CPU time per review.
//   npx node bench/signal-cost.ts
// The share is taken of kadmit's CPU per review from the HTTP rounds of the same
// `npm run bench` (passed in KADMIT_BENCH_CPU_US_PER_REVIEW); run alone, it
// measures that figure itself first (bench/lib/inline-reference.ts: kadmit
// serve --workers 0 answering the same review over HTTPS).
import { readFileSync } from 'node:fs';
import { Reviewer, type ExecutionContext, type Executor } from '../src/admission/reviewer.ts';
import { createReviewSignal } from '../src/admission/review-signal.ts';
import { answered, type ReviewOutcome } from '../src/model/outcome.ts';
import { createLogger } from '../src/observability/logger.ts';
import { createMetrics } from '../src/observability/metrics.ts';
import { httpStatus } from '../src/transport/http-answer.ts';
import requireMemoryLimits from '../src/policies/require-memory-limits.ts';
import { measureInlineReference } from './lib/inline-reference.ts';
import { cleanupAll, installCleanupHandlers } from './lib/procs.ts';
import { median } from './lib/stats.ts';

const BATCH = 200;
const BATCHES = 301;
const TIMEOUT_PARAM = '10s';

const bodyText = JSON.stringify(JSON.parse(readFileSync(new URL('../test/fixtures/pod-create-5k.json', import.meta.url), 'utf8')));
const body = new Uint8Array(Buffer.from(bodyText));
const uid = (JSON.parse(bodyText) as { request: { uid: string } }).request.uid;
const webhook = requireMemoryLimits;

// The reply kadmit would send for this Pod, built once: the executor's work is not what is measured.
const CANNED: ReviewOutcome = answered('admission.k8s.io/v1', { uid, allowed: true },
  { decision: 'allowed', code: 200, uid, kind: 'Pod', namespace: 'default', operation: 'CREATE', dryRun: false });
// async, like every real executor: a fresh promise per call.
const execute: Executor = async () => CANNED;

const metrics = createMetrics();
const reviewer = new Reviewer({ deadlineMarginMs: 500, execute, log: createLogger('silent'), metrics, httpStatus });
// A second registry for the metrics-only measure, so its counts do not mix with the Reviewer's.
const bare = createMetrics();
const labels = { webhook: webhook.name };
const reviewLabels = { webhook: webhook.name, operation: 'CREATE', decision: 'allowed' };
// One connection that never goes away and a server that never shuts down: the listeners come and go per review.
const clientGone = new AbortController().signal;
const shutdown = new AbortController().signal;
const directCtx: ExecutionContext = { signal: new AbortController().signal, deadline: Date.now() + 9_500 };

type Measure = () => Promise<void> | void;
const measures: Record<'direct' | 'reviewer' | 'signal' | 'metrics', Measure> = {
  async direct() {
    for (let i = 0; i < BATCH; i++) await execute(webhook, body, directCtx);
  },
  async reviewer() {
    for (let i = 0; i < BATCH; i++) {
      // Received now: the deadline counts from here.
      const outcome = await reviewer.review(webhook, { bytes: body, receivedAt: Date.now() }, TIMEOUT_PARAM, clientGone);
      if (outcome !== CANNED) throw new Error('Reviewer.review did not pass the executor outcome through');
    }
  },
  signal() {
    for (let i = 0; i < BATCH; i++) createReviewSignal(Date.now() + 4_500, 4_500, clientGone, shutdown).dispose();
  },
  // The metric updates Reviewer.review makes for an allowed review.
  metrics() {
    for (let i = 0; i < BATCH; i++) {
      bare.inFlight.inc(labels);
      bare.inFlight.dec(labels);
      bare.reviews.inc(reviewLabels);
      bare.duration.observe(labels, 0.0002);
    }
  },
};
type Name = keyof typeof measures;
const names = Object.keys(measures) as Name[];

async function main(): Promise<void> {
  for (let w = 0; w < 50; w++) for (const n of names) await measures[n]();
  const cpu = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<Name, number[]>;
  const wall = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<Name, number[]>;
  for (let b = 0; b < BATCHES; b++) {
    // Rotate the order so no measure always runs right after a given other one.
    for (let k = 0; k < names.length; k++) {
      const n = names[(b + k) % names.length]!;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await measures[n]();
      wall[n].push(((performance.now() - t0) * 1000) / BATCH);
      const c = process.cpuUsage(c0);
      cpu[n].push((c.user + c.system) / BATCH);
    }
  }
  if (reviewer.inFlightCount !== 0) throw new Error(`${reviewer.inFlightCount} reviews still in flight`);

  const m = (n: Name) => ({ cpu: median(cpu[n]), wall: median(wall[n]) });
  const direct = m('direct');
  const viaReviewer = m('reviewer');
  const signal = m('signal');
  const metricsOnly = m('metrics');
  // Per-batch differences, so drift between batches cancels.
  const overhead = { cpu: median(cpu.reviewer.map((x, i) => x - cpu.direct[i]!)), wall: median(wall.reviewer.map((x, i) => x - wall.direct[i]!)) };

  const { perReview, source } = await reference();
  const of = `${Math.round(perReview)} us/review`;
  const share = (us: number) => `${((us / perReview) * 100).toFixed(1)}%`;
  const fmt = (x: { cpu: number; wall: number }) => `${x.cpu.toFixed(2).padStart(6)} us CPU (${x.wall.toFixed(2)} us wall)`;

  console.log(`signal-cost: node ${process.version}, 5 KB Pod review, ?timeout=${TIMEOUT_PARAM}, webhook ${webhook.name}; ` +
    `medians of ${BATCHES} interleaved batches of ${BATCH} reviews`);
  console.log(`  executor awaited directly            ${fmt(direct)}   no Reviewer: no signal, no timer, no race`);
  console.log(`  Reviewer.review around it           ${fmt(viaReviewer)}`);
  console.log(`    Reviewer's cost per review        ${fmt(overhead)}   = ${share(overhead.cpu)} of ${of}`);
  console.log(`  createReviewSignal + dispose alone  ${fmt(signal)}   = ${share(signal.cpu)}`);
  console.log(`  the Reviewer's metric updates alone ${fmt(metricsOnly)}   = ${share(metricsOnly.cpu)}`);
  console.log('  (the rest of the Reviewer\'s cost: ?timeout= parsing, the race against the signal, the in-flight registry, a disabled log call)');
  console.log(`  (shares of ${of}: ${source})`);
}

// What the shares are of: kadmit's CPU per review from the HTTP rounds of the
// same `npm run bench`, or, run alone, measured now (after the batches above,
// so its server does not share the machine with them).
async function reference(): Promise<{ perReview: number; source: string }> {
  const given = Number(process.env['KADMIT_BENCH_CPU_US_PER_REVIEW']);
  if (Number.isFinite(given) && given > 0) {
    return { perReview: given, source: `${process.env['KADMIT_BENCH_CPU_SOURCE'] ?? 'kadmit'}'s CPU per review in the HTTP rounds of this run` };
  }
  installCleanupHandlers();
  try {
    const measured = await measureInlineReference();
    return { perReview: measured.usPerReview, source: measured.method };
  } finally {
    cleanupAll();
  }
}

await main();
