// `kadmit serve`: wires configuration, certificates, webhooks, the reviewer and
// the two listeners together, and owns the shutdown sequence.
import type { Logger } from 'pino';
import { loadOrCreateFileCertificates } from '../certs/file-store.ts';
import { loadWebhooks } from '../webhooks/load.ts';
import { Reviewer } from '../admission/reviewer.ts';
import { runReview } from '../admission/pipeline.ts';
import { loadSchemaRegistry } from '../admission/schemas.ts';
import { WorkerPool } from '../workers/pool.ts';
import { createMetrics } from '../observability/metrics.ts';
import { createWebhookServer } from '../transport/webhook-server.ts';
import { createOpsServer } from '../transport/ops-server.ts';
import type { ServeConfig } from '../config/options.ts';

export interface RunningServer {
  webhookPort: number;
  opsPort: number;
  caPath: string;
  /** The graceful sequence SIGTERM runs: drain, stop accepting, finish or abort, close. */
  shutdown(): Promise<void>;
  reviewer: Reviewer;
  pool: WorkerPool | undefined;
}

export function splitAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(address.slice(colon + 1)) };
}

export async function startServer(config: ServeConfig, log: Logger): Promise<RunningServer> {
  const settings = config.settings as Record<string, unknown>;
  const webhooks = (await loadWebhooks(config.webhooks, settings)).map((l) => l.webhook);
  // Loaded here even with workers: a bad CRD fails start-up once, with its name.
  const schemas = await loadSchemaRegistry(config.crds);
  const certs = await loadOrCreateFileCertificates({
    dir: config.certDir,
    serviceName: config.serviceName,
    namespace: config.namespace,
    local: true,
    log: log.child({ component: 'certs' }),
  });
  log.info({ caPath: certs.caPath, action: certs.action }, `serving certificate ready; clients trust the CA in ${certs.caPath}`);

  const metrics = createMetrics();
  const pool = config.workers > 0
    ? new WorkerPool({
        size: config.workers,
        webhooks,
        setup: { webhookSpecs: config.webhooks, crdFiles: config.crds, settings, cwd: process.cwd(), logLevel: config.logLevel, logObjects: config.logObjects },
        log: log.child({ component: 'workers' }),
        events: {
          workerReplaced: (reason) => metrics.workerReplacements.inc({ reason }),
          reviewReclaimed: () => metrics.reclaimedReviews.inc(),
        },
      })
    : undefined;
  await pool?.start();
  if (pool) metrics.trackPool(() => pool.stats());
  const reviewer = new Reviewer({
    deadlineMarginMs: config.deadlineMarginMs,
    execute: pool?.execute ?? ((webhook, body, ctx) => runReview(webhook, body, { ...ctx, log, logObjects: config.logObjects, schemas })),
    log,
    metrics,
  });
  const webhookServer = createWebhookServer({
    webhooks,
    reviewer,
    tls: { key: certs.material.key, cert: certs.material.cert },
    tlsMinVersion: config.tlsMinVersion,
    tlsCiphers: config.tlsCiphers,
    maxBodyBytes: config.maxBodyBytes,
    headersTimeoutMs: config.headersTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    keepAliveTimeoutMs: config.keepAliveTimeoutMs,
    idleTimeoutMs: config.idleTimeoutMs,
    log,
  });

  let notReady: string | undefined = 'starting';
  const ops = createOpsServer({
    registry: metrics.registry,
    notReadyReason: () => notReady,
    debugViews: { '/debug/inflight': () => ({ reviews: reviewer.inFlight(), workers: pool?.stats() ?? null }) },
    log,
  });
  const opsAt = await ops.listen(splitAddress(config.opsAddress).host, splitAddress(config.opsAddress).port);
  const webhookAt = await webhookServer.listen(splitAddress(config.webhookAddress).host, splitAddress(config.webhookAddress).port);
  notReady = undefined;
  log.info({ webhook: webhookAt, ops: opsAt, webhooks: webhooks.map((w) => `${w.type} ${w.name} ${w.path}`) }, 'kadmit serving');

  let stopping: Promise<void> | undefined;
  const shutdown = () =>
    (stopping ??= (async () => {
      notReady = 'shutting down';
      log.info({ drainDelayMs: config.drainDelayMs }, 'shutdown: readiness off, draining');
      await delay(config.drainDelayMs);
      // Reviews still running near the end of the grace period are answered by failurePolicy.
      const abortAt = Math.max(0, config.shutdownGraceMs - config.drainDelayMs - 1_000);
      const abortTimer = setTimeout(() => reviewer.shutdown(), abortAt);
      log.info('shutdown: no longer accepting connections; finishing in-flight reviews');
      await webhookServer.close();
      clearTimeout(abortTimer);
      reviewer.shutdown();
      await pool?.close();
      await ops.close();
      log.info('shutdown: done');
    })());
  return { webhookPort: webhookAt.port, opsPort: opsAt.port, caPath: certs.caPath, shutdown, reviewer, pool };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
