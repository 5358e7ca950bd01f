// `kadmit manifests`: renders the Kubernetes objects kadmit needs, from the
// webhook definitions it would serve and the configuration, as one YAML stream
// on stdout or as files (with a kustomization.yaml) under --out.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.ts';
import { findConfigFile } from '../config/file.ts';
import { argsError } from '../config/suggest.ts';
import { formatJsonPath } from '../json-path.ts';
import { loadWebhooks } from '../webhooks/load.ts';
import { DEFAULT_IMAGE, DEFAULT_WEBHOOKS, manifestConfigSchema, readServeConfigFile, type ManifestConfig } from '../manifests/config.ts';
import { renderObjects, toFiles, toYamlStream } from '../manifests/render.ts';
import { DEFAULT_REVIEWS_PER_REPLICA } from '../manifests/sizing.ts';
import type { CliIo } from './io.ts';

const FLAGS = {
  config: { type: 'string', help: 'a `kadmit serve` YAML config (default ./kadmit.yaml if it exists): its namespace, serviceName, webhooks and settings are used, and its other settings are passed to the Deployment as written' },
  namespace: { type: 'string', help: "kadmit's namespace (default kadmit)" },
  'service-name': { type: 'string', help: 'name of the Service and of every other object (default kadmit)' },
  replicas: { type: 'string', help: 'Deployment replicas (default 2)' },
  image: { type: 'string', help: `container image (default ${DEFAULT_IMAGE})` },
  webhook: { type: 'string', multiple: true, help: `webhooks to serve, repeatable (default ${DEFAULT_WEBHOOKS.join(', ')})` },
  settings: { type: 'string', help: 'policy settings keyed by webhook spec, as JSON' },
  out: { type: 'string', help: 'write one file per concern and a kustomization.yaml into this directory instead of stdout' },
  'service-monitor': { type: 'boolean', help: 'add a ServiceMonitor (Prometheus Operator) scraping /metrics on the ops port' },
  alerts: { type: 'boolean', help: 'add a PrometheusRule: certificates not renewed or expiring, failurePolicy answers, p99 latency, workers replaced' },
  dashboard: { type: 'boolean', help: 'add a Grafana dashboard in a ConfigMap labelled grafana_dashboard: "1"' },
  'monitoring-label': { type: 'string', multiple: true, help: 'KEY=VALUE label for those objects, e.g. release=kube-prometheus-stack (repeatable)' },
  autoscale: { type: 'string', help: 'add a HorizontalPodAutoscaler on CPU with MIN:MAX replicas, e.g. 2:10 (the Deployment then sets no replicas)' },
  'reviews-per-replica': { type: 'string', help: `with --autoscale: reviews/s a replica serves at the target CPU; sizes the CPU request (default ${DEFAULT_REVIEWS_PER_REPLICA})` },
  help: { type: 'boolean', help: 'show this help' },
} as const;

export function manifestsHelp(): string {
  const width = Math.max(...Object.keys(FLAGS).map((f) => f.length)) + 8;
  return [
    'Usage: kadmit manifests [options]',
    '',
    'Renders Namespace, ServiceAccount, RBAC, Service, Deployment, PodDisruptionBudget',
    'and the webhook configurations for the configured webhooks; on request also a',
    'ServiceMonitor, alert rules, a Grafana dashboard and an autoscaler. Flags override',
    'the config file. Environment variables are not read: the output depends only on',
    'the arguments.',
    '',
    ...Object.entries(FLAGS).map(([flag, f]) => `${`  --${flag}${f.type === 'string' ? ' V' : ''}`.padEnd(width)}${f.help}`),
  ].join('\n');
}

/** `--monitoring-label KEY=VALUE`, repeated, as a map; its keys and values are checked with the config. */
function labelFlags(values: string | string[] | boolean | undefined): Record<string, string> | undefined {
  if (!Array.isArray(values)) return undefined;
  const labels: Record<string, string> = {};
  for (const text of values) {
    const eq = text.indexOf('=');
    if (eq <= 0) throw new UsageError(`--monitoring-label: expected KEY=VALUE (got ${JSON.stringify(text)})`);
    labels[text.slice(0, eq)] = text.slice(eq + 1);
  }
  return labels;
}

export function resolveManifestConfig(argv: readonly string[], cwd = process.cwd()): { config: ManifestConfig; configFile?: string; out?: string; help: boolean } {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    values = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options: FLAGS }).values;
  } catch (err) {
    throw argsError(err, Object.keys(FLAGS), 'kadmit manifests --help');
  }
  if (values.help) return { config: manifestConfigSchema.parse({}), help: true };
  const configFile = findConfigFile(typeof values.config === 'string' ? values.config : undefined, {}, cwd);
  const raw: Record<string, unknown> = configFile === undefined ? {} : readServeConfigFile(configFile);
  const origin: Record<string, string> = Object.fromEntries(Object.keys(raw).map((k) => [k, `${String(configFile)}: ${k}`]));
  const fromFlag = (key: string, flag: string, value: unknown) => {
    if (value === undefined) return;
    raw[key] = value;
    origin[key] = `--${flag}`;
  };
  fromFlag('namespace', 'namespace', values.namespace);
  fromFlag('serviceName', 'service-name', values['service-name']);
  fromFlag('replicas', 'replicas', values.replicas);
  fromFlag('image', 'image', values.image);
  fromFlag('webhooks', 'webhook', values.webhook);
  fromFlag('serviceMonitor', 'service-monitor', values['service-monitor']);
  fromFlag('alerts', 'alerts', values.alerts);
  fromFlag('dashboard', 'dashboard', values.dashboard);
  fromFlag('monitoringLabels', 'monitoring-label', labelFlags(values['monitoring-label']));
  fromFlag('autoscale', 'autoscale', values.autoscale);
  fromFlag('reviewsPerReplica', 'reviews-per-replica', values['reviews-per-replica']);
  if (raw.autoscale !== undefined && origin.replicas !== undefined) throw new UsageError(`--autoscale leaves the replica count to the autoscaler: drop ${origin.replicas}`);
  if (raw.reviewsPerReplica !== undefined && raw.autoscale === undefined) throw new UsageError('--reviews-per-replica sizes the CPU request for --autoscale: give --autoscale MIN:MAX too');
  if (typeof values.settings === 'string') {
    try {
      fromFlag('settings', 'settings', JSON.parse(values.settings));
    } catch {
      throw new UsageError('--settings: expected a JSON object');
    }
  }
  const result = manifestConfigSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${origin[String(i.path[0])] ?? formatJsonPath(i.path, '(root)')}: ${formatJsonPath(i.path.slice(1)) === '' ? '' : `${formatJsonPath(i.path.slice(1))}: `}${i.message}`);
    throw new UsageError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return { config: result.data, ...(configFile !== undefined && { configFile }), ...(typeof values.out === 'string' && { out: values.out }), help: false };
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { config, configFile, out, help } = resolveManifestConfig(argv);
  if (help) {
    io.stdout.write(`${manifestsHelp()}\n`);
    return 0;
  }
  // The same loading `kadmit serve` does: an invalid setting fails here, naming it.
  // Module paths in a config file are relative to its folder, as they will be in the image (/app).
  const webhooks = (await loadWebhooks(config.webhooks, config.settings, configFile === undefined ? undefined : dirname(configFile))).map((l) => l.webhook);
  const modules = config.webhooks.filter((s) => !s.startsWith('builtin:'));
  if (modules.length > 0) {
    io.stderr.write(`kadmit: note: the image (${config.image}) must hold ${modules.join(', ')} relative to its working directory /app, as a policy project's image does\n`);
  }
  const rendered = renderObjects(webhooks, config);
  if (out === undefined) {
    io.stdout.write(toYamlStream(rendered));
    return 0;
  }
  mkdirSync(out, { recursive: true });
  const files = toFiles(rendered);
  for (const [name, text] of files) writeFileSync(join(out, name), text);
  io.stderr.write(`kadmit: wrote ${[...files.keys()].join(', ')} to ${out}\n`);
  return 0;
}
