// Sends reviews through the same Reviewer and pipeline `kadmit serve` uses
// (deadline from `?timeout=`, the race against it, failurePolicy answers), on
// in review workers or on this thread, with no HTTP in between.
import type { Logger } from 'pino';
import { Reviewer, inlineExecutor } from '../admission/reviewer.ts';
import { httpAnswer, httpStatus } from '../transport/http-answer.ts';
import { createMetrics } from '../observability/metrics.ts';
import type { SchemaRegistry } from '../schemas/registry.ts';
import type { Answer, Sender } from './answer.ts';
import type { WorkerPool } from '../workers/pool.ts';

export interface InProcessOptions {
  deadlineMarginMs: number;
  log: Logger;
  /** The schemas serve checks objects against (built-in kinds and the configured CRDs). */
  schemas: SchemaRegistry;
  logObjects?: boolean;
  /** Review workers, as serve runs them; without, handlers run on this thread. */
  pool?: WorkerPool;
}

export function inProcessSender(options: InProcessOptions): Sender {
  const { log } = options;
  const reviewer = new Reviewer({
    deadlineMarginMs: options.deadlineMarginMs,
    // The executors `kadmit serve` uses, with and without workers.
    execute: options.pool?.execute ?? inlineExecutor({ log, logObjects: options.logObjects ?? false, schemas: options.schemas }),
    log,
    metrics: createMetrics(),
    httpStatus,
  });
  // The replaying "apiserver" never goes away mid-review.
  const clientStays = new AbortController().signal;
  return {
    mode: 'in-process',
    async send(webhook, body, timeout): Promise<Answer> {
      const started = performance.now();
      const outcome = await reviewer.review(webhook, body, timeout, clientStays);
      const latencyMs = performance.now() - started;
      const answer = httpAnswer(outcome);
      if (answer === undefined) return { httpStatus: 0, body: '', latencyMs, error: 'the review was abandoned' };
      return { httpStatus: answer.status, body: answer.body, latencyMs };
    },
    async close() {
      reviewer.shutdown();
      await options.pool?.close();
    },
  };
}
