// `kadmit serve`: wires configuration, certificates, webhooks, the reviewer and
// the two listeners together, and owns readiness and the shutdown sequence.
import type { Logger } from 'pino';
import { startServingCertificates, type ServingCertificates } from './serving-certs.ts';
import { serviceHostname } from '../certs/names.ts';
import type { CertMetrics } from '../certs/ports.ts';
import { loadWebhooks } from '../webhooks/load.ts';
import type { Webhook } from '../model/webhook.ts';
import { Reviewer, inlineExecutor } from '../admission/reviewer.ts';
import { loadSchemaRegistry } from '../admission/schemas.ts';
import type { SchemaRegistry } from '../schemas/registry.ts';
import type { WorkerPool } from '../workers/pool.ts';
import type { CreateWorker } from '../workers/worker-slot.ts';
import { PoolGenerations } from '../workers/generations.ts';
import { POOLED_BODY_BYTES } from '../workers/shared-bodies.ts';
import { WebhookTable } from '../webhooks/table.ts';
import { createServePool } from './serve-pool.ts';
import { createMetrics, type Metrics } from '../observability/metrics.ts';
import { createWebhookServer, type WebhookServer } from '../transport/webhook-server.ts';
import { httpStatus } from '../transport/http-answer.ts';
import { MemoryGuard, shedThreshold } from '../transport/memory-guard.ts';
import { startHeapTidy, type HeapTidy } from '../observability/heap-tidy.ts';
import { createOpsServer, type OpsServer } from '../transport/ops-server.ts';
import { diagnosticsRoutes } from '../transport/ops-diagnostics.ts';
import { mainThread } from '../observability/threads.ts';
import { trackEventLoops } from '../observability/event-loop-metrics.ts';
import { selfCheck, type ClientIdentity } from '../transport/self-check.ts';
import { startClientAuth, type ClientAuth } from '../transport/client-ca.ts';
import { reportHandshakeFailures } from '../transport/handshake-failures.ts';
import { errorMessage } from '../errors.ts';
import { flushTracing } from '../observability/tracing/active.ts';
import type { ServeConfig } from '../config/options.ts';
import { jsonLimitsOf } from '../config/body-limits.ts';

export interface RunningServer {
  webhookPort: number;
  opsPort: number;
  /** Where the CA clients should trust is (a file path in file mode). */
  trust: string;
  isReady(): boolean;
  /** The graceful sequence SIGTERM runs: drain, stop accepting, finish or abort, close. */
  shutdown(): Promise<void>;
  reviewer: Reviewer;
  /** The pool serving reviews now (none with --workers 0). */
  readonly pool: WorkerPool | undefined;
  /** What `serve --watch` swaps on a reload: the webhooks by path, and the pools. */
  webhooks: WebhookTable;
  pools: PoolGenerations | undefined;
  metrics: Metrics;
}

const SELF_CHECK_INTERVAL_MS = 5_000;
/** Before the end of the grace period: reviews still running are answered by failurePolicy. */
const ABORT_BEFORE_END_MS = 1_000;
/** Before the end of the grace period: every socket still open is closed. */
const CLOSE_BEFORE_END_MS = 250;
/** The main thread tidies its heap after this long with no request (see heap-tidy.ts). */
const TIDY_AFTER_QUIET_MS = 2_000;

export function splitAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(address.slice(colon + 1)) };
}

/** Why the replica is not ready, by cause; ready when there is none. */
class Readiness {
  readonly #reasons = new Map<string, string>();
  set(cause: string, reason: string | undefined): void {
    if (reason === undefined) this.#reasons.delete(cause);
    else this.#reasons.set(cause, reason);
  }
  reason(): string | undefined {
    return this.#reasons.size === 0 ? undefined : [...this.#reasons.values()].join('; ');
  }
}

/** What the ops views show; filled in as start-up gets there. */
interface Live {
  reviewer?: Reviewer;
  pools?: PoolGenerations;
  certs?: ServingCertificates;
  clientAuth?: ClientAuth;
  /** Start-up failed: what still comes up is stopped at once. */
  abandoned?: boolean;
}

/** `createWorker` hands the pool workers started ahead (serve-command.ts). */
export async function startServer(config: ServeConfig, log: Logger, createWorker?: CreateWorker): Promise<RunningServer> {
  const webhooks = (await loadWebhooks(config.webhooks, config.settings as Record<string, unknown>)).map((l) => l.webhook);
  const metrics = createMetrics();
  const live: Live = {};
  const main = mainThread();
  const threads = () => [main, ...(live.pools?.current.threads() ?? [])];
  trackEventLoops(metrics.registry, threads);
  // The first worker boots on its own thread while this one loads schemas, gets
  // certificates and opens the listeners; awaited before the first review. The
  // others boot once this serves: on two cores their boots slowed this thread's last
  // steps (with the first worker's start-up collection also later, worker-main.ts,
  // --workers 2 served after 549 ms instead of 628, medians of 15).
  const serving = Promise.withResolvers<void>();
  const workersStarted = config.workers > 0 ? startWorkers(config, webhooks, metrics, live, log, serving.promise, createWorker) : undefined;
  workersStarted?.catch(() => undefined); // rejections are taken where it is awaited
  let ops: OpsServer | undefined;
  try {
    // Loaded here even with workers: a bad CRD fails start-up once, with its name.
    const schemas = await loadSchemaRegistry(config.crds, { celCostLimit: config.celCostLimit });
    const readiness = new Readiness();
    readiness.set('startup', 'starting');
    // The ops listener comes first: probes answer (not ready) while certificates are obtained.
    ops = createOpsServer({
      registry: metrics.registry,
      notReadyReason: () => readiness.reason(),
      debugViews: {
        '/debug/inflight': () => ({ reviews: live.reviewer?.inFlight() ?? [], workers: live.pools?.current.stats() ?? null }),
        '/debug/certs': () => live.certs?.status() ?? null,
      },
      debugRoutes: diagnosticsRoutes({ threads, log }),
      debugAccess: config.debugAccess,
      log,
    });
    const opsAt = await ops.listen(splitAddress(config.opsAddress).host, splitAddress(config.opsAddress).port);
    const running = await startServing(config, log, { webhooks, schemas, metrics, readiness, live, ops, opsPort: opsAt.port, workersStarted });
    serving.resolve();
    return running;
  } catch (err) {
    live.abandoned = true;
    await live.pools?.close();
    await live.certs?.stop();
    live.clientAuth?.stop();
    ops?.destroyConnections();
    await ops?.close();
    throw err;
  }
}

interface Parts {
  webhooks: Webhook[];
  schemas: SchemaRegistry;
  metrics: Metrics;
  readiness: Readiness;
  live: Live;
  ops: OpsServer;
  opsPort: number;
  workersStarted: Promise<PoolGenerations> | undefined;
}

async function startServing(config: ServeConfig, log: Logger, parts: Parts): Promise<RunningServer> {
  const { webhooks, schemas, metrics, readiness, live, ops } = parts;

  // The newest pair is kept until the listener exists (start-up can outlast a short
  // certificate lifetime), then every new one is swapped in.
  let latest: { key: string; cert: string } | undefined;
  let swapTls: (pair: { key: string; cert: string }) => void = () => undefined;
  const onPair = (pair: { key: string; cert: string }) => {
    latest = pair;
    swapTls(pair);
  };
  readiness.set('startup', 'waiting for the serving certificate');
  // Workers that cannot start end start-up at once, even while certificates are still awaited
  // (in secret mode they can wait on an unreachable API for as long as it is down).
  const orWorkersFail = <T>(step: Promise<T>): Promise<T> => (parts.workersStarted ? Promise.race([step, parts.workersStarted.then(() => step)]) : step);
  const certsStarted = startServingCertificates(config, { update: onPair }, certMetrics(metrics), log.child({ component: 'certs' })).then((started) => {
    live.certs = started;
    if (live.abandoned) void started.stop(); // start-up already failed and cleaned up
    return started;
  });
  const certs = await orWorkersFail(certsStarted);
  latest ??= await orWorkersFail(certs.ready());
  log.info({ trust: certs.describe() }, `serving certificate ready; clients trust the CA in ${certs.describe()}`);

  readiness.set('startup', 'starting review workers');
  const pools = await parts.workersStarted;
  const table = new WebhookTable(webhooks);
  const jsonLimits = jsonLimitsOf(config);

  const reviewer = (live.reviewer = new Reviewer({
    deadlineMarginMs: config.deadlineMarginMs,
    execute: pools?.execute ?? inlineExecutor({ log, logObjects: config.logObjects, schemas, limits: jsonLimits }),
    limits: jsonLimits,
    log,
    metrics,
    httpStatus,
  }));
  const memoryGuard = new MemoryGuard({ shedAtBytes: shedThreshold(config.memoryShedBytes) });
  const heapTidy = startHeapTidy({
    idle: () => memoryGuard.idleFor(TIDY_AFTER_QUIET_MS),
    afterStartUp: true,
    tidied: (before, after) => log.debug({ heapBefore: before, heapAfter: after }, 'heap tidied after a burst'),
  });
  let swapClientCa: (ca: string) => void = () => undefined;
  const clientAuth = config.clientCaFile === '' ? undefined
    : (live.clientAuth = await startClientAuth({ path: config.clientCaFile, onChange: (ca) => swapClientCa(ca), log }));
  const webhookServer = createWebhookServer({
    webhooks,
    webhookAt: (path) => table.at(path),
    reviewer,
    tls: { key: latest.key, cert: latest.cert },
    tlsMinVersion: config.tlsMinVersion,
    tlsCiphers: config.tlsCiphers,
    maxBodyBytes: config.maxBodyBytes,
    jsonLimits,
    // A smaller body reaches a worker copied into a buffer its slot lends and reuses.
    ...(pools && { sharedBodiesAbove: POOLED_BODY_BYTES }),
    memoryGuard,
    onShed: () => metrics.shedRequests.inc({ reason: 'memory' }),
    onRequest: (labels) => metrics.webhookRequests.inc({ ...labels }),
    headersTimeoutMs: config.headersTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    keepAliveTimeoutMs: config.keepAliveTimeoutMs,
    idleTimeoutMs: config.idleTimeoutMs,
    ...(clientAuth && { clientCa: clientAuth.ca() }),
    log,
  });
  swapClientCa = (ca) => webhookServer.setClientCa(ca);
  let recheck = () => undefined as unknown;
  swapTls = (pair) => {
    webhookServer.setTls(pair);
    log.info('serving certificate swapped in for new connections');
    recheck();
  };
  reportHandshakeFailures(webhookServer.fastify.server, log, () => metrics.tlsHandshakeFailures.inc());
  const webhookAt = await webhookServer.listen(splitAddress(config.webhookAddress).host, splitAddress(config.webhookAddress).port);

  const selfChecker = startSelfCheck(config, webhookAt.port, certs, readiness, log, clientAuth?.identity);
  recheck = () => void selfChecker.now();
  await selfChecker.now();
  readiness.set('startup', undefined);
  log.info({ webhook: webhookAt, ops: { port: parts.opsPort }, webhooks: webhooks.map((w) => `${w.type} ${w.name} ${w.path}`), shedAtBytes: memoryGuard.shedAtBytes ?? null }, 'kadmit serving');
  // Start-up's garbage goes now (a pause of ~75 ms), after serving rather than before
  // it, so that it does not delay readiness. A pod gets no traffic before the kubelet's
  // first readiness probe sees it ready; should a request have come already, the
  // tidy waits for the next quiet second (heap-tidy.ts).
  heapTidy.check();

  let stopping: Promise<void> | undefined;
  const shutdown = () => (stopping ??= stop(config, log, { readiness, reviewer, webhookServer, pools, certs, clientAuth, ops, selfChecker, heapTidy }));
  return {
    webhookPort: webhookAt.port,
    opsPort: parts.opsPort,
    trust: certs.describe(),
    isReady: () => readiness.reason() === undefined,
    shutdown,
    reviewer,
    get pool() {
      return pools?.current;
    },
    webhooks: table,
    pools,
    metrics,
  };
}

async function startWorkers(config: ServeConfig, webhooks: Webhook[], metrics: Metrics, live: Live, log: Logger, othersAfter: Promise<void>, createWorker?: CreateWorker): Promise<PoolGenerations> {
  const pool = createServePool(config, webhooks, metrics, log, createWorker);
  const pools = (live.pools = new PoolGenerations(pool));
  await pool.start(othersAfter);
  metrics.trackPool(() => pools.current.stats(), () => pools.current.heapUsed());
  return pools;
}

/**
 * Ready only while a handshake as <svc>.<ns>.svc succeeds trusting exactly what
 * clients trust (the published caBundle in secret mode); checked every few
 * seconds and after every certificate swap.
 */
function startSelfCheck(config: ServeConfig, port: number, certs: ServingCertificates, readiness: Readiness, log: Logger, client?: ClientIdentity) {
  const configured = splitAddress(config.webhookAddress).host;
  const host = ['0.0.0.0', '::', ''].includes(configured) ? '127.0.0.1' : configured;
  const servername = serviceHostname(config.serviceName, config.namespace);
  let last: string | undefined = 'not run yet';
  const now = async () => {
    let problem: string | undefined;
    try {
      problem = await selfCheck(host, port, servername, await certs.trustedBundles(), client);
    } catch (err) {
      problem = `TLS self-check could not read what clients trust: ${errorMessage(err)}`;
    }
    if (problem !== last) log[problem ? 'warn' : 'info']({ problem }, problem ? 'not ready: TLS self-check failed' : 'TLS self-check passed');
    last = problem;
    readiness.set('tls', problem);
  };
  const timer = setInterval(() => void now(), SELF_CHECK_INTERVAL_MS);
  timer.unref();
  return { now, stop: () => clearInterval(timer) };
}

interface Running {
  readiness: Readiness;
  reviewer: Reviewer;
  webhookServer: WebhookServer;
  pools: PoolGenerations | undefined;
  certs: ServingCertificates;
  clientAuth: ClientAuth | undefined;
  ops: OpsServer;
  selfChecker: { stop(): void };
  heapTidy: HeapTidy;
}

/**
 * SIGTERM: readiness off, serve on through the drain while endpoints update,
 * stop accepting, let reviews finish until their deadlines, answer what is left
 * by failurePolicy a second before the end, then close every socket on both
 * listeners (idle, keep-alive, half-sent, mid-handshake) and stop. Every step
 * is bounded by the grace period: nothing a client does can hold the process.
 */
async function stop(config: ServeConfig, log: Logger, r: Running): Promise<void> {
  const end = Date.now() + config.shutdownGraceMs;
  const until = (msBeforeEnd: number) => Math.max(0, end - msBeforeEnd - Date.now());
  r.readiness.set('shutdown', 'shutting down');
  log.info({ drainDelayMs: config.drainDelayMs, shutdownGraceMs: config.shutdownGraceMs }, 'shutdown: readiness off, draining');
  await delay(Math.min(config.drainDelayMs, until(ABORT_BEFORE_END_MS)));
  log.info('shutdown: no longer accepting connections; finishing in-flight reviews');
  const webhookClosed = r.webhookServer.close();
  await within(webhookClosed, until(ABORT_BEFORE_END_MS));
  r.reviewer.shutdown();
  // The failurePolicy answers are written; what is still open after that is a client that does not finish.
  await within(webhookClosed, until(CLOSE_BEFORE_END_MS));
  r.webhookServer.destroyConnections();
  r.selfChecker.stop();
  r.heapTidy.stop();
  r.clientAuth?.stop();
  await within(Promise.all([webhookClosed, r.pools?.close(), r.certs.stop()]), until(0));
  r.ops.destroyConnections();
  await within(r.ops.close(), until(0));
  // Every review is answered and the workers are gone: export the spans still queued, within the grace period.
  await flushTracing(until(0));
  log.info('shutdown: done');
}

/** Waits for `work`, or `ms`, whichever is first; a failure of `work` is not this wait's concern. */
function within(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work.then(() => undefined, () => undefined),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ]).finally(() => clearTimeout(timer));
}

function certMetrics(metrics: Metrics): CertMetrics {
  return {
    notAfter: (role, notAfter) => (notAfter ? metrics.certNotAfter.set({ role }, Math.floor(notAfter.getTime() / 1000)) : metrics.certNotAfter.remove({ role })),
    rotation: (role) => metrics.certRotations.inc({ role }),
    error: (operation) => metrics.certErrors.inc({ operation }),
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
