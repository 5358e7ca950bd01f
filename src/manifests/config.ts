// What `kadmit manifests` renders from: where kadmit runs (namespace, service,
// replicas, image), which webhooks it serves with which settings, and the
// serve settings to pass on to the Deployment.
import { z } from 'zod';
import { UsageError } from '../errors.ts';
import { readConfigFile } from '../config/file.ts';
import { SERVE_OPTIONS, serveConfigSchema } from '../config/options.ts';
import { KADMIT_VERSION } from '../version.ts';
import { formatJsonPath } from '../json-path.ts';
import { parseImageRef } from '../policies/support/image-ref.ts';
import { labelsSchema } from '../config/labels-schema.ts';
import { DEFAULT_REVIEWS_PER_REPLICA, MAX_REVIEWS_PER_REPLICA } from './sizing.ts';

export const DEFAULT_IMAGE = `ghcr.io/kadmit/kadmit:${KADMIT_VERSION}`;
/** The built-in pair a cluster gets by default: defaults first (mutating), then the check. */
export const DEFAULT_WEBHOOKS = ['builtin:pod-security', 'builtin:pod-defaults'];

const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'expected a DNS label (lowercase letters, digits, "-")').max(63);
const image = z.string().refine((s) => !('error' in parseImageRef(s)), 'expected an image reference such as ghcr.io/org/kadmit:1.0');

export const manifestConfigSchema = z.strictObject({
  namespace: dnsLabel.default('kadmit'),
  serviceName: dnsLabel.default('kadmit'),
  replicas: z.coerce.number().int('expected a whole number').min(1, 'expected at least 1').max(50).default(2),
  image: image.default(DEFAULT_IMAGE),
  webhooks: z.array(z.string().min(1)).min(1, 'expected at least one webhook').default(DEFAULT_WEBHOOKS),
  settings: z.record(z.string(), z.unknown()).default({}),
  /** Other serve settings, as written in the config file; each becomes an environment variable. */
  serve: z.record(z.string(), z.unknown()).default({}),
  /** Opt-in cluster operations: Prometheus Operator objects, a Grafana dashboard, an HPA. */
  serviceMonitor: z.boolean().default(false),
  alerts: z.boolean().default(false),
  dashboard: z.boolean().default(false),
  /** Labels the monitoring objects carry, e.g. the `release` a Prometheus selects rules and monitors by. */
  monitoringLabels: labelsSchema.default({}),
  autoscale: z.string().transform((text, ctx) => {
    const m = /^(\d{1,3}):(\d{1,3})$/.exec(text);
    const [min, max] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
    if (!m || min < 1 || max < min || max > 100) {
      ctx.addIssue({ code: 'custom', message: `expected MIN:MAX replicas with 1 <= MIN <= MAX <= 100, e.g. 2:10 (got ${JSON.stringify(text)})` });
      return z.NEVER;
    }
    return { min, max };
  }).optional(),
  reviewsPerReplica: z.coerce.number().int('expected a whole number').min(10, 'expected at least 10').max(MAX_REVIEWS_PER_REPLICA, `expected at most ${MAX_REVIEWS_PER_REPLICA}: one replica's main thread tops out near 7,000 reviews/s on a bench core, so scale out instead`).default(DEFAULT_REVIEWS_PER_REPLICA),
});
export type ManifestConfig = z.output<typeof manifestConfigSchema>;

/** Serve settings the manifests decide themselves: where certificates live, the namespace (downward API). */
const OWNED_BY_MANIFESTS = new Set(['namespace', 'serviceName', 'webhooks', 'settings', 'certDir']);

/**
 * Reads a `kadmit serve` config file: namespace, serviceName, webhooks and
 * settings shape the manifests; every other key set in it is passed on to the
 * Deployment. Checked with the serve schema, so a typo fails here, not in the cluster.
 * Values travel as written: paths stay relative to the file's folder, which in a
 * policy project's image is the working directory (/app).
 */
export function readServeConfigFile(path: string): Partial<ManifestConfig> {
  const raw = readConfigFile(path).written;
  const checked = serveConfigSchema.safeParse(raw);
  if (!checked.success) {
    const lines = checked.error.issues.map((i) => (i.code === 'unrecognized_keys' ? `unknown setting(s) ${i.keys.join(', ')}` : `${formatJsonPath(i.path, '(root)')}: ${i.message}`));
    throw new UsageError(`invalid configuration in ${path}:\n  ${lines.join('\n  ')}`);
  }
  const out: Partial<ManifestConfig> = { serve: {} };
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'namespace' || key === 'serviceName') out[key] = value as string;
    else if (key === 'webhooks') out.webhooks = value as string[];
    else if (key === 'settings') out.settings = checked.data.settings as Record<string, unknown>;
    else if (!OWNED_BY_MANIFESTS.has(key)) out.serve![key] = value;
  }
  return out;
}

/** A serve setting as the Deployment will run it: the config file's value, else serve's default. */
export function serveSetting(config: ManifestConfig, key: string): unknown {
  return config.serve[key] ?? SERVE_OPTIONS.find((o) => o.key === key)!.default;
}

/** The environment variable and text value a serve setting travels as. */
export function serveEnv(key: string, value: unknown): { name: string; value: string } {
  const option = SERVE_OPTIONS.find((o) => o.key === key);
  if (!option) throw new UsageError(`unknown serve setting "${key}"`);
  const text = Array.isArray(value) ? value.join(',') : typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
  return { name: option.env, value: text };
}

/** The port of a `host:port` serve address. */
export function portOf(address: unknown, fallback: number): number {
  if (typeof address !== 'string') return fallback;
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  return Number.isInteger(port) && port > 0 ? port : fallback;
}
