// The review workers `kadmit serve` runs, made from its configuration: at start,
// and again for every reload under `--watch`.
import type { Logger } from 'pino';
import type { Webhook } from '../model/webhook.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { ServeConfig } from '../config/options.ts';
import { WorkerPool } from '../workers/pool.ts';
import { workerSetup } from '../workers/protocol.ts';
import { workerResourceLimits } from '../config/worker-limits.ts';
import type { CreateWorker } from '../workers/worker-slot.ts';

/**
 * A pool not started yet, counting its replacements and reclaimed reviews in
 * `metrics`; `createWorker` hands it workers started ahead (serve --watch).
 */
export function createServePool(config: ServeConfig, webhooks: readonly Webhook[], metrics: Metrics, log: Logger, createWorker?: CreateWorker): WorkerPool {
  const resourceLimits = workerResourceLimits(config.workerHeapMb);
  return new WorkerPool({
    size: config.workers,
    webhooks,
    setup: workerSetup(config),
    bodyBudgetBytes: config.maxBodyBytes,
    ...(resourceLimits && { resourceLimits }),
    ...(createWorker && { createWorker }),
    log: log.child({ component: 'workers' }),
    events: {
      workerReplaced: (reason) => metrics.workerReplacements.inc({ reason }),
      reviewReclaimed: () => metrics.reclaimedReviews.inc(),
    },
  });
}
