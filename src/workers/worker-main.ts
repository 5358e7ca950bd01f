// A review worker (started through review-worker.ts): loads the same webhook modules as the main thread and runs
// the admission pipeline for the reviews it is handed. A heartbeat in shared
// memory lets the main thread see when a handler has stopped the event loop.
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { loadWebhooks } from '../webhooks/load.ts';
import { loadSchemaRegistry } from '../admission/schemas.ts';
import { preloadKubeClients } from '../kube/for-handlers.ts';
import { runReview } from '../admission/pipeline.ts';
import { ReviewAbortedError } from '../admission/abort.ts';
import { createLogger } from '../observability/logger.ts';
import { errorMessage } from '../errors.ts';
import { startHeapTidy } from '../observability/heap-tidy.ts';
import { watchLoopDelay } from '../observability/loop-delay.ts';
import { startWorkerTracing } from '../observability/tracing/start.ts';
import { HEARTBEAT, HEARTBEAT_INTERVAL_MS, SLOT_BASE, type FromWorker, type ReviewMessage, type ToWorker } from './protocol.ts';
import { setupOfThisWorker } from './warm-start.ts';

// Read after the imports above: a worker started ahead has loaded them when its setup comes.
const { setup, shared } = await setupOfThisWorker(workerData, parentPort!);
const port = parentPort!;
// Log lines are serialised here once and written by the main thread to its logger's
// destination as they are (log-relay.ts): one destination, one format. Only
// handler errors and warnings are logged here; the per-review line is the main thread's.
const log = createLogger(setup.logLevel as pino.LevelWithSilent, { write: (line: string) => post({ type: 'log', line }) });
/**
 * The reviews this worker holds, by the slot the main thread gave each: waiting
 * their turn in a batch (with an abort that came meanwhile), then running (with
 * their controller). An array, not a Map keyed by review id: slot-table.ts says why.
 */
const held: (HeldReview | undefined)[] = [];
interface HeldReview {
  id: number;
  controller?: AbortController;
  abortedEarly?: ReviewAbortedError;
}
let running = 0;
let lastReviewAt = 0;

const readLoopDelay = watchLoopDelay();

if (setup.tracing) await startWorkerTracing((spans) => post({ type: 'spans', spans }));
const webhooks = (await loadWebhooks(setup.webhookSpecs, setup.settings, setup.cwd)).map((l) => l.webhook);
const schemas = await loadSchemaRegistry(setup.crdFiles, { celCostLimit: setup.celCostLimit });
// Without a kubeconfig the worker still serves; kube() then fails with the reason.
if (webhooks.some((w) => w.kubeApi)) await preloadKubeClients().catch((err: unknown) => log.warn({ err }, 'Kubernetes client not available to handlers'));

// A worker prepared ahead (warm-start.ts) gets its slot's memory once a pool takes it;
// the watchdog reads the heartbeat only once the worker is ready.
const words = new Int32Array(await shared);
setInterval(() => Atomics.add(words, HEARTBEAT, 1), HEARTBEAT_INTERVAL_MS);

// A burst of large bodies leaves the heap grown; it is given back once no review has run for a second.
startHeapTidy({ idle: () => running === 0 && Date.now() - lastReviewAt > 1_000, afterStartUp: true });

port.on('message', (message: ToWorker) => {
  if (message.type === 'abort') {
    const review = held[message.slot];
    if (review?.id !== message.id) return;
    const reason = new ReviewAbortedError(message.kind, `review aborted: ${message.kind}`);
    if (review.controller) review.controller.abort(reason);
    else review.abortedEarly = reason;
    return;
  }
  if (message.type === 'loop-delay') return post({ type: 'loop-delay', id: message.id, delay: readLoopDelay() });
  // Each review of a batch in a turn of its own, as if posted alone: a review's
  // answer goes out before the next one starts, even if that one never yields.
  if (message.type === 'reviews') {
    for (const review of message.reviews) {
      held[review.slot] = { id: review.id };
      setImmediate(onReview, review);
    }
    return;
  }
  onReview(message);
});

function onReview(message: ReviewMessage): void {
  // The slot may already hold a newer review (this one was taken back and its slot reused): that one stays.
  const entry = held[message.slot];
  const waited = entry?.id === message.id ? entry : undefined;
  if (waited) held[message.slot] = undefined;
  if (Atomics.compareExchange(words, SLOT_BASE + message.slot, message.id, -message.id) !== message.id) return; // taken back
  // Already answered by failurePolicy on the main thread: running it would be wasted work.
  if (Date.now() > message.deadline) return post({ type: 'failed', id: message.id, slot: message.slot, message: 'the review expired before a worker started it' });
  const webhook = webhooks[message.webhook]!;
  const controller = new AbortController();
  const review: HeldReview = { id: message.id, controller };
  held[message.slot] = review;
  running++;
  if (waited?.abortedEarly) controller.abort(waited.abortedEarly); // its abort came while it waited its turn
  lastReviewAt = Date.now();
  runReview(webhook, message.body, { signal: controller.signal, deadline: message.deadline, log, logObjects: setup.logObjects, limits: setup.jsonLimits, schemas, trace: message.trace }).then(
    (outcome) => post({ type: 'done', id: message.id, slot: message.slot, outcome }),
    (err: unknown) => post({ type: 'failed', id: message.id, slot: message.slot, message: errorMessage(err) }),
  ).finally(() => {
    if (held[message.slot] === review) held[message.slot] = undefined;
    running--;
    lastReviewAt = Date.now();
  });
}

function post(message: FromWorker): void {
  port.postMessage(message);
}

// Loading left garbage behind (compiled modules, schemas): it goes at the heap tidy's
// first check, a second from now (afterStartUp), not at once: the collection (~70 ms
// of CPU) would run while the main thread finishes starting (certificates, listener,
// self-check) and, on two cores, delay its readiness (with the other workers booting
// once kadmit serves, serve.ts: 549 instead of 628 ms to serving). A review that
// comes first defers it to the next quiet second.
post({ type: 'ready', webhooks: webhooks.map((w) => w.name) });
