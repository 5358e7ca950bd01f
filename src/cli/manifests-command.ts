// `kadmit manifests`: renders the Kubernetes objects kadmit needs, from the
// webhook definitions it would serve and the configuration, as one YAML stream
// on stdout or as files (with a kustomization.yaml) under --out.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../config/load.ts';
import { errorMessage } from '../errors.ts';
import { formatPath } from '../admission/envelope.ts';
import { loadWebhooks } from '../webhooks/load.ts';
import { DEFAULT_IMAGE, DEFAULT_WEBHOOKS, manifestConfigSchema, readServeConfigFile, type ManifestConfig } from '../manifests/config.ts';
import { renderObjects, toFiles, toYamlStream } from '../manifests/render.ts';

const FLAGS = {
  config: { type: 'string', help: 'a `kadmit serve` YAML config: its namespace, serviceName, webhooks and settings are used, and its other settings are passed to the Deployment' },
  namespace: { type: 'string', help: "kadmit's namespace (default kadmit)" },
  'service-name': { type: 'string', help: 'name of the Service and of every other object (default kadmit)' },
  replicas: { type: 'string', help: 'Deployment replicas (default 2)' },
  image: { type: 'string', help: `container image (default ${DEFAULT_IMAGE})` },
  webhook: { type: 'string', multiple: true, help: `webhooks to serve, repeatable (default ${DEFAULT_WEBHOOKS.join(', ')})` },
  settings: { type: 'string', help: 'policy settings keyed by webhook spec, as JSON' },
  out: { type: 'string', help: 'write one file per concern and a kustomization.yaml into this directory instead of stdout' },
  help: { type: 'boolean', help: 'show this help' },
} as const;

export function manifestsHelp(): string {
  const width = Math.max(...Object.keys(FLAGS).map((f) => f.length)) + 8;
  return [
    'Usage: kadmit manifests [options]',
    '',
    'Renders Namespace, ServiceAccount, RBAC, Service, Deployment, PodDisruptionBudget',
    'and the webhook configurations for the configured webhooks. Flags override the',
    'config file. Environment variables are not read: the output depends only on',
    'the arguments.',
    '',
    ...Object.entries(FLAGS).map(([flag, f]) => `${`  --${flag}${f.type === 'string' ? ' V' : ''}`.padEnd(width)}${f.help}`),
  ].join('\n');
}

export function resolveManifestConfig(argv: readonly string[]): { config: ManifestConfig; out?: string; help: boolean } {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    values = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options: FLAGS }).values;
  } catch (err) {
    throw new UsageError(errorMessage(err));
  }
  if (values.help) return { config: manifestConfigSchema.parse({}), help: true };
  const raw: Record<string, unknown> = typeof values.config === 'string' ? readServeConfigFile(values.config) : {};
  const origin: Record<string, string> = Object.fromEntries(Object.keys(raw).map((k) => [k, `${String(values.config)}: ${k}`]));
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
  if (typeof values.settings === 'string') {
    try {
      fromFlag('settings', 'settings', JSON.parse(values.settings));
    } catch {
      throw new UsageError('--settings: expected a JSON object');
    }
  }
  const result = manifestConfigSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${origin[String(i.path[0])] ?? formatPath(i.path)}: ${formatPath(i.path.slice(1)) === '(root)' ? '' : `${formatPath(i.path.slice(1))}: `}${i.message}`);
    throw new UsageError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return { config: result.data, ...(typeof values.out === 'string' && { out: values.out }), help: false };
}

export async function run(argv: string[]): Promise<number> {
  const { config, out, help } = resolveManifestConfig(argv);
  if (help) {
    process.stdout.write(`${manifestsHelp()}\n`);
    return 0;
  }
  // The same loading `kadmit serve` does: an invalid setting fails here, naming it.
  const webhooks = (await loadWebhooks(config.webhooks, config.settings)).map((l) => l.webhook);
  for (const spec of config.webhooks.filter((s) => !s.startsWith('builtin:'))) {
    process.stderr.write(`kadmit: note: the image must contain webhook module ${spec} at that path\n`);
  }
  const rendered = renderObjects(webhooks, config);
  if (out === undefined) {
    process.stdout.write(toYamlStream(rendered));
    return 0;
  }
  mkdirSync(out, { recursive: true });
  const files = toFiles(rendered);
  for (const [name, text] of files) writeFileSync(join(out, name), text);
  process.stderr.write(`kadmit: wrote ${[...files.keys()].join(', ')} to ${out}\n`);
  return 0;
}
