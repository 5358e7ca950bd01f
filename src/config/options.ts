// Every setting of `kadmit serve`, in one table: the zod schema, the flag, the
// environment variable, the YAML key and the help text all come from here.
import { z } from 'zod';
import { parseGoDuration } from '../admission/deadline.ts';
import { DEFAULT_JSON_LIMITS } from '../admission/json-limits.ts';
import { usableCpus } from './cpus.ts';
import { DEFAULT_WORKER_HEAP_MB } from './worker-limits.ts';

// Each worker holds its own policies and compiled schemas (~36 MB RSS measured),
// and the main thread (TLS, parsing) is the bottleneck long before 4 workers are:
// on a big node without a CPU limit, one per core would only cost memory.
const MAX_DEFAULT_WORKERS = 4;

const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]*):\d{1,5}$/, 'expected host:port, e.g. 0.0.0.0:8443 or :8080')
  .refine((v) => Number(v.slice(v.lastIndexOf(':') + 1)) <= 65535, 'port must be 0-65535');
const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'expected a DNS label (lowercase letters, digits, "-")').max(63);
const positiveInt = z.coerce.number().int('expected a whole number').positive('expected a number above 0');
const nonNegativeInt = z.coerce.number().int('expected a whole number').min(0, 'expected 0 or more');
const goDuration = z.string().refine((v) => (parseGoDuration(v) ?? 0) >= 1_000, 'expected a Go duration of at least 1s, e.g. 720h, 30m, 45s');
const bool = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

export interface OptionSpec {
  /** Key in the YAML file and in the resolved config. */
  key: string;
  flag: string;
  env: string;
  schema: z.ZodType;
  default: unknown;
  help: string;
  /** Repeatable flag / comma-separated env var. */
  list?: boolean;
  /** A switch: `--name` alone means true. */
  switch?: true;
  /** A file system path: relative to the config file when set there. */
  path?: true;
}

export const SERVE_OPTIONS = [
  { key: 'webhookAddress', flag: 'webhook-address', env: 'KADMIT_WEBHOOK_ADDRESS', schema: hostPort, default: '0.0.0.0:8443', help: 'HTTPS listener for the apiserver (host:port)' },
  { key: 'opsAddress', flag: 'ops-address', env: 'KADMIT_OPS_ADDRESS', schema: hostPort, default: ':8080', help: 'plain-HTTP listener for /healthz, /readyz, /metrics' },
  { key: 'certDir', flag: 'cert-dir', env: 'KADMIT_CERT_DIR', schema: z.string().min(1), default: 'certs', path: true, help: 'where the local CA and serving certificate are kept' },
  { key: 'serviceName', flag: 'service-name', env: 'KADMIT_SERVICE_NAME', schema: dnsLabel, default: 'kadmit', help: 'Service that fronts kadmit (serving cert names <svc>.<ns>.svc)' },
  { key: 'namespace', flag: 'namespace', env: 'KADMIT_NAMESPACE', schema: dnsLabel, default: 'kadmit', help: "kadmit's own namespace" },
  { key: 'certStore', flag: 'cert-store', env: 'KADMIT_CERT_STORE', schema: z.enum(['file', 'secret', 'external']), default: 'file', help: 'where the CA lives: file (under --cert-dir), secret (a Secret in --namespace; in cluster), external (cert-manager or any provider: --tls-cert-file/--tls-key-file)' },
  { key: 'certSecret', flag: 'cert-secret', env: 'KADMIT_CERT_SECRET', schema: z.string(), default: '', help: 'Secret holding the CA state in secret mode (empty: <service-name>-ca)' },
  { key: 'caBundleTargets', flag: 'ca-bundle-target', env: 'KADMIT_CA_BUNDLE_TARGETS', list: true, schema: z.array(z.string().regex(/^(ValidatingWebhookConfiguration|MutatingWebhookConfiguration|CustomResourceDefinition)(\/[a-z0-9.-]+|\?.+)$/, 'expected Kind/name or Kind?labelSelector, Kind one of ValidatingWebhookConfiguration, MutatingWebhookConfiguration, CustomResourceDefinition')), default: [], help: 'caBundle fields kadmit keeps in step in secret mode (empty: both webhook configurations named <service-name>)' },
  { key: 'caLifetime', flag: 'ca-lifetime', env: 'KADMIT_CA_LIFETIME', schema: goDuration, default: '8760h', help: 'CA lifetime (Go duration); renewed at 2/3 of it' },
  { key: 'servingLifetime', flag: 'serving-lifetime', env: 'KADMIT_SERVING_LIFETIME', schema: goDuration, default: '720h', help: 'serving certificate lifetime (Go duration); renewed at 2/3 of it' },
  { key: 'caGrace', flag: 'ca-grace', env: 'KADMIT_CA_GRACE', schema: goDuration, default: '30s', help: 'how long a new CA must sit in every caBundle before it signs serving certificates' },
  { key: 'tlsCertFile', flag: 'tls-cert-file', env: 'KADMIT_TLS_CERT_FILE', schema: z.string(), default: '', path: true, help: 'external mode: serving certificate file (reloaded on change)' },
  { key: 'tlsKeyFile', flag: 'tls-key-file', env: 'KADMIT_TLS_KEY_FILE', schema: z.string(), default: '', path: true, help: 'external mode: serving key file (reloaded on change)' },
  { key: 'tlsCaFile', flag: 'tls-ca-file', env: 'KADMIT_TLS_CA_FILE', schema: z.string(), default: '', path: true, help: 'external mode: CA file clients trust, used for the readiness self-check' },
  { key: 'clientCaFile', flag: 'client-ca', env: 'KADMIT_CLIENT_CA', schema: z.string(), default: '', path: true, help: "CA file (PEM) for client authentication: when set, the webhook listener requires a client certificate signed by it (the apiserver's, from its admission kubeconfig); reloaded on change; empty: off" },
  { key: 'kubeconfig', flag: 'kubeconfig', env: 'KADMIT_KUBECONFIG', schema: z.string(), default: '', path: true, help: 'kubeconfig for secret mode (empty: $KUBECONFIG, else the in-cluster service account)' },
  { key: 'webhooks', flag: 'webhook', env: 'KADMIT_WEBHOOKS', list: true, schema: z.array(z.string().min(1)).min(1, 'expected at least one webhook'), default: ['builtin:pod-security', 'builtin:pod-defaults'], help: 'webhooks to serve: builtin:<name> or a module path (repeatable)' },
  { key: 'settings', flag: 'settings', env: 'KADMIT_SETTINGS', schema: z.union([z.record(z.string(), z.unknown()), z.string().transform((text, ctx) => { try { return JSON.parse(text) as Record<string, unknown>; } catch { ctx.addIssue({ code: 'custom', message: 'expected a JSON object' }); return z.NEVER; } })]), default: {}, help: 'policy settings keyed by webhook spec, e.g. {"builtin:pod-security": {"exemptNamespaces": ["ci"]}} (JSON on the command line)' },
  { key: 'crds', flag: 'crd', env: 'KADMIT_CRDS', list: true, schema: z.array(z.string().min(1)), default: [], path: true, help: 'CRD manifest files (YAML or JSON) whose served versions are validated like built-in kinds (repeatable)' },
  { key: 'celCostLimit', flag: 'cel-cost-limit', env: 'KADMIT_CEL_COST_LIMIT', schema: positiveInt.max(1_000_000_000, 'expected at most 1000000000'), default: 1_000_000, help: "most cost units one CRD validation rule (x-kubernetes-validations) may spend in one evaluation, as the API server's per-call limit; all rules on one object may spend 10 times that" },
  { key: 'maxBodyBytes', flag: 'max-body-bytes', env: 'KADMIT_MAX_BODY_BYTES', schema: positiveInt.max(256 * 1024 * 1024, 'expected at most 268435456'), default: 8 * 1024 * 1024, help: 'largest request body accepted (an UPDATE carries two objects)' },
  { key: 'jsonMaxDepth', flag: 'json-max-depth', env: 'KADMIT_JSON_MAX_DEPTH', schema: positiveInt.max(100_000, 'expected at most 100000'), default: DEFAULT_JSON_LIMITS.maxDepth, help: 'deepest nesting a request body may have (request.object is at depth 2); checked as a body over 64 KiB arrives, on a smaller one once parsed; a deeper review is denied with 422' },
  { key: 'jsonMaxEntries', flag: 'json-max-entries', env: 'KADMIT_JSON_MAX_ENTRIES', schema: positiveInt, default: DEFAULT_JSON_LIMITS.maxEntries, help: 'most entries one array or object in a request body may have; checked as a body over 64 KiB arrives, on a smaller one once parsed; a larger review is denied with 422' },
  { key: 'jsonMaxValues', flag: 'json-max-values', env: 'KADMIT_JSON_MAX_VALUES', schema: positiveInt, default: DEFAULT_JSON_LIMITS.maxValues, help: 'most JSON values a request body may hold in all (each costs heap once parsed); checked as a body over 64 KiB arrives, on a smaller one once parsed; a larger review is denied with 422' },
  { key: 'memoryShedBytes', flag: 'memory-shed-bytes', env: 'KADMIT_MEMORY_SHED_BYTES', schema: nonNegativeInt, default: 0, help: 'refuse new reviews (HTTP 429, Retry-After) while resident memory plus request bodies in flight is above this many bytes (0: 85% of the cgroup memory limit; no limit, no shedding)' },
  { key: 'workerHeapMb', flag: 'worker-heap-mb', env: 'KADMIT_WORKER_HEAP_MB', schema: nonNegativeInt.max(65_536, 'expected at most 65536'), default: DEFAULT_WORKER_HEAP_MB, help: "each review worker's V8 old-generation limit in MB; a worker that needs more ends and only the reviews it had started fail (0: no limit)" },
  { key: 'deadlineMarginMs', flag: 'deadline-margin-ms', env: 'KADMIT_DEADLINE_MARGIN_MS', schema: nonNegativeInt.max(10_000, 'expected at most 10000'), default: 500, help: "time kept back from the apiserver's timeout so kadmit's answer arrives first" },
  { key: 'workers', flag: 'workers', env: 'KADMIT_WORKERS', schema: nonNegativeInt.max(64, 'expected at most 64'), default: Math.min(usableCpus(), MAX_DEFAULT_WORKERS), help: 'review worker threads (default: one per usable CPU, i.e. the CPU affinity capped by the cgroup CPU limit, at most 4); 0 runs handlers on the main thread, where a handler that never yields cannot be stopped' },
  { key: 'drainDelayMs', flag: 'drain-delay-ms', env: 'KADMIT_DRAIN_DELAY_MS', schema: nonNegativeInt, default: 3_000, help: 'on SIGTERM, keep serving this long with /readyz failing so endpoints update' },
  { key: 'shutdownGraceMs', flag: 'shutdown-grace-ms', env: 'KADMIT_SHUTDOWN_GRACE_MS', schema: positiveInt, default: 25_000, help: 'on SIGTERM, exit within this time (keep it below terminationGracePeriodSeconds)' },
  { key: 'headersTimeoutMs', flag: 'headers-timeout-ms', env: 'KADMIT_HEADERS_TIMEOUT_MS', schema: positiveInt, default: 10_000, help: 'a client must send all request headers within this time' },
  { key: 'requestTimeoutMs', flag: 'request-timeout-ms', env: 'KADMIT_REQUEST_TIMEOUT_MS', schema: positiveInt, default: 30_000, help: 'a client must send the whole request within this time' },
  { key: 'keepAliveTimeoutMs', flag: 'keep-alive-timeout-ms', env: 'KADMIT_KEEP_ALIVE_TIMEOUT_MS', schema: positiveInt, default: 95_000, help: "idle keep-alive connections close after this (above the apiserver's 90 s idle timeout, so the apiserver closes them first)" },
  { key: 'idleTimeoutMs', flag: 'idle-timeout-ms', env: 'KADMIT_IDLE_TIMEOUT_MS', schema: positiveInt, default: 120_000, help: 'a socket with no traffic at all is closed after this' },
  { key: 'tlsMinVersion', flag: 'tls-min-version', env: 'KADMIT_TLS_MIN_VERSION', schema: z.enum(['TLSv1.2', 'TLSv1.3']), default: 'TLSv1.2', help: 'lowest TLS version accepted (TLSv1.2 or TLSv1.3)' },
  { key: 'tlsCiphers', flag: 'tls-ciphers', env: 'KADMIT_TLS_CIPHERS', schema: z.string(), default: '', help: "OpenSSL cipher list for TLS 1.2 (empty: Node's defaults)" },
  { key: 'logLevel', flag: 'log-level', env: 'KADMIT_LOG_LEVEL', schema: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']), default: 'info', help: 'log level' },
  { key: 'logFormat', flag: 'log-format', env: 'KADMIT_LOG_FORMAT', schema: z.enum(['json', 'pretty']), default: 'json', help: 'json (one object per line, for a log collector) or pretty (time, level, message and key=value fields, for a terminal; Secrets redacted the same way)' },
  { key: 'logObjects', flag: 'log-objects', env: 'KADMIT_LOG_OBJECTS', switch: true, schema: bool, default: false, help: 'log request objects at debug level (Secrets are always redacted: data, stringData, the last-applied annotation)' },
  { key: 'debugAccess', flag: 'debug-access', env: 'KADMIT_DEBUG_ACCESS', schema: z.enum(['loopback', 'all', 'off']), default: 'loopback', help: 'who may read /debug/* on the ops listener: loopback (connections from the pod itself, e.g. kubectl port-forward), all, or off; probes and metrics answer on every address' },
] as const satisfies readonly OptionSpec[];

type OptionTable = typeof SERVE_OPTIONS;
type ValueOf<O> = O extends { schema: z.ZodType<infer T> } ? T : never;
export type ServeConfig = { -readonly [O in OptionTable[number] as O['key']]: ValueOf<O> };

export const serveConfigSchema = z.strictObject(
  Object.fromEntries(SERVE_OPTIONS.map((o) => [o.key, (o.schema as z.ZodType).default(o.default)])) as Record<string, z.ZodType>,
);
