// What `kadmit replay` and `kadmit bench` share: the webhook selection (the
// same flags, environment and config file as `kadmit serve`, so authors replay
// what they serve) and where reviews go (in-process, or --url over HTTPS).
import { readFileSync } from 'node:fs';
import pino, { type Logger, type LevelWithSilent } from 'pino';
import { loadServeConfig, UsageError } from '../config/load.ts';
import { parseGoDuration, MAX_TIMEOUT_MS } from '../admission/deadline.ts';
import { createLogger } from '../observability/logger.ts';
import { loadWebhooks } from '../webhooks/load.ts';
import { loadSchemaRegistry } from '../admission/schemas.ts';
import { errorMessage, KadmitError } from '../errors.ts';
import type { Webhook } from '../model/webhook.ts';
import type { Sender } from './answer.ts';
import { WebhookIndex } from './webhooks.ts';
import { RequestMatcher } from './matching.ts';
import { loadNamespacesFile } from './namespaces.ts';
import { inProcessSender } from './in-process.ts';
import { WorkerPool } from '../workers/pool.ts';
import { workerSetup } from '../workers/protocol.ts';
import { httpsSender } from './https-sender.ts';

/** parseArgs options shared by replay and bench. */
export const TARGET_OPTIONS = {
  webhook: { type: 'string', multiple: true },
  settings: { type: 'string' },
  crd: { type: 'string', multiple: true },
  config: { type: 'string' },
  'deadline-margin-ms': { type: 'string' },
  'service-name': { type: 'string' },
  namespace: { type: 'string' },
  target: { type: 'string' },
  namespaces: { type: 'string' },
  url: { type: 'string' },
  ca: { type: 'string' },
  'server-name': { type: 'string' },
  timeout: { type: 'string' },
  'log-level': { type: 'string' },
  workers: { type: 'string' },
} as const;

export const TARGET_HELP = [
  'Webhooks (as for kadmit serve; also from KADMIT_* variables and the --config file):',
  '  --webhook SPEC          builtin:<name> or a module path (repeatable; default: serve\'s defaults)',
  '  --settings JSON         policy settings keyed by webhook spec',
  '  --crd FILE              CRD manifest whose schemas objects are checked against (repeatable)',
  '  --config FILE           kadmit serve\'s YAML settings file (default ./kadmit.yaml if it exists)',
  '  --deadline-margin-ms N  time kept back from ?timeout= (in-process; default 500)',
  '  --target NAME|PATH      the webhook for fixtures that name none (default: the only one configured)',
  '  --namespaces FILE       Namespace objects (YAML/JSON, e.g. kubectl get namespaces -o yaml) whose',
  '                          labels the webhooks\' namespaceSelectors are matched against',
  '',
  'Where reviews go:',
  '  (default)               in-process: the same pipeline as kadmit serve, no HTTP',
  '  --url URL               a running server, e.g. https://127.0.0.1:8443, over HTTPS',
  '  --ca FILE               CA bundle to trust (PEM; default: the system\'s CAs)',
  '  --server-name NAME      name the certificate must carry (default <service-name>.<namespace>.svc,',
  '                          from --service-name/--namespace, i.e. kadmit.kadmit.svc)',
  '  --timeout DURATION      time the apiserver has left, e.g. 10s; ?timeout= is the lesser of it and',
  '                          the webhook\'s timeoutSeconds, in whole seconds (default: timeoutSeconds)',
  '  --log-level LEVEL       kadmit and handler logs on stderr (default silent)',
  '  --workers N             in-process: review worker threads (default 1, so a handler that never',
  '                          yields is answered by failurePolicy at its deadline; 0 runs handlers here)',
];

type Values = { [K in keyof typeof TARGET_OPTIONS]?: (typeof TARGET_OPTIONS)[K] extends { multiple: true } ? string[] : string };

export interface Target {
  webhooks: WebhookIndex;
  /** --target, checked to name a configured webhook. */
  defaultWebhook: string | undefined;
  sender: Sender;
  timeoutFor(webhook: Webhook): string;
  /** The config file's `fixtures` (absolute), what replay runs when given no paths. */
  fixtures: string[] | undefined;
  /** Files whose change should trigger a re-run in --watch. */
  watchFiles: { modules: string[]; config: string | undefined; crds: string[]; namespaces: string | undefined };
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export function parseTimeoutFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseGoDuration(value);
  if (ms === undefined || ms <= 0 || ms > MAX_TIMEOUT_MS) throw new UsageError(`--timeout: expected a Go duration from 1ms to 30s such as 10s (got ${JSON.stringify(value)})`);
  return ms;
}

export function parseWorkersFlag(value: string | undefined): number {
  if (value === undefined) return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 64) throw new UsageError(`--workers: expected a whole number from 0 to 64 (got ${JSON.stringify(value)})`);
  return n;
}

export function parseUrlFlag(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--url: expected an https:// URL (got ${JSON.stringify(value)})`);
  }
  if (url.protocol !== 'https:') throw new UsageError(`--url: the apiserver only calls webhooks over https (got ${url.protocol})`);
  if (url.search || url.hash) throw new UsageError('--url: give the server\'s base URL; the webhook path and ?timeout= are added');
  return url;
}

export async function prepareTarget(values: Values, env: NodeJS.ProcessEnv, options: { maxSockets?: number } = {}): Promise<Target> {
  const serveArgv: string[] = [];
  for (const spec of values.webhook ?? []) serveArgv.push('--webhook', spec);
  for (const file of values.crd ?? []) serveArgv.push('--crd', file);
  for (const flag of ['settings', 'config', 'deadline-margin-ms', 'service-name', 'namespace'] as const) {
    const value = values[flag];
    if (value !== undefined) serveArgv.push(`--${flag}`, value);
  }
  const config = loadServeConfig(serveArgv, env);
  const level = values['log-level'] ?? 'silent';
  if (!LEVELS.includes(level)) throw new UsageError(`--log-level: expected one of ${LEVELS.join(', ')}`);
  const log: Logger = createLogger(level as LevelWithSilent, pino.destination({ fd: 2, sync: true }));
  const parentMs = parseTimeoutFlag(values.timeout);

  let loaded;
  try {
    loaded = await loadWebhooks(config.webhooks, config.settings as Record<string, unknown>);
  } catch (err) {
    // A webhook that cannot be loaded is a mistake in the command, as for a bad fixture.
    if (err instanceof KadmitError && /^KADMIT_(WEBHOOK|POLICY)_/.test(err.code)) throw new UsageError(err.message);
    throw err;
  }
  let schemas;
  try {
    schemas = await loadSchemaRegistry(config.crds, { celCostLimit: config.celCostLimit });
  } catch (err) {
    if (err instanceof KadmitError && err.code.startsWith('KADMIT_CRD_')) throw new UsageError(err.message);
    throw err;
  }
  const served = loaded.map((l) => l.webhook);
  // Matched on what kadmit manifests would register for this namespace and service.
  const matcher = new RequestMatcher(served, { namespace: config.namespace, serviceName: config.serviceName }, values.namespaces === undefined ? undefined : loadNamespacesFile(values.namespaces));
  const webhooks = new WebhookIndex(served, matcher);
  if (values.target !== undefined) {
    const resolved = webhooks.resolve(values.target);
    if ('problem' in resolved) throw new UsageError(`--target: ${resolved.problem}`);
  }
  let sender: Sender;
  if (values.url !== undefined) {
    let ca: string | undefined;
    if (values.ca !== undefined) {
      try {
        ca = readFileSync(values.ca, 'utf8');
      } catch (err) {
        throw new UsageError(`--ca: cannot read ${values.ca}: ${errorMessage(err)}`);
      }
    }
    sender = httpsSender({
      url: parseUrlFlag(values.url),
      ca,
      serverName: values['server-name'] ?? `${config.serviceName}.${config.namespace}.svc`,
      ...(options.maxSockets !== undefined && { maxSockets: options.maxSockets }),
    });
  } else {
    for (const flag of ['ca', 'server-name'] as const) if (values[flag] !== undefined) throw new UsageError(`--${flag} only applies with --url`);
    const workers = parseWorkersFlag(values.workers);
    const pool = workers === 0 ? undefined : new WorkerPool({
      size: workers,
      webhooks: loaded.map((l) => l.webhook),
      setup: workerSetup(config, level),
      log,
    });
    await pool?.start();
    sender = inProcessSender({ deadlineMarginMs: config.deadlineMarginMs, log, schemas, logObjects: config.logObjects, ...(pool && { pool }) });
  }
  return {
    webhooks,
    defaultWebhook: values.target,
    sender,
    // As the apiserver does: the lesser of its time left and timeoutSeconds, rounded up to whole seconds.
    timeoutFor: (webhook) => `${Math.ceil(Math.min(parentMs ?? Infinity, webhook.timeoutSeconds * 1000) / 1000)}s`,
    fixtures: config.project.fixtures,
    watchFiles: { modules: [...new Set(loaded.map((l) => l.moduleUrl))], config: config.configFile, crds: config.crds, namespaces: values.namespaces },
  };
}
