// Tracing is configured only by the standard OTEL_* environment variables, and
// is off unless an exporter is asked for: OTEL_TRACES_EXPORTER names one (otlp,
// console) or an OTLP endpoint is set. OTEL_TRACES_EXPORTER=none or
// OTEL_SDK_DISABLED=true keep it off whatever else is set. Every value is
// checked here, bounded, and refused with the variable's name: a typo must not
// leave an operator believing traces are on.
import { KadmitError } from '../../errors.ts';

export type TraceExporterName = 'otlp' | 'console';
export type OtlpProtocol = 'http/json' | 'http/protobuf';

export interface SamplerConfig {
  /** What decides a trace that has no sampled parent (or every trace when not parent-based). */
  root: 'always_on' | 'always_off' | 'traceidratio';
  /** Follow the incoming traceparent's sampled flag. */
  parentBased: boolean;
  /** For traceidratio: the share of traces kept, 0..1. */
  ratio: number;
}

export interface TracingConfig {
  exporters: readonly TraceExporterName[];
  otlp: { url: string; protocol: OtlpProtocol; headers: Record<string, string>; timeoutMs: number };
  sampler: SamplerConfig;
  serviceName: string;
  resourceAttributes: Record<string, string>;
}

type Env = Readonly<Record<string, string | undefined>>;

const MAX_VALUE_CHARS = 8192;
const MAX_URL_CHARS = 2048;
const MAX_PAIRS = 64;
const MAX_KEY_CHARS = 256;
const MAX_PAIR_VALUE_CHARS = 4096;
const MAX_TIMEOUT_MS = 120_000;
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_ENDPOINT = 'http://localhost:4318';
const TRACES_PATH = 'v1/traces';
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const CONTROL = /[\u0000-\u001f\u007f]/;

const SAMPLERS: Record<string, Omit<SamplerConfig, 'ratio'>> = {
  always_on: { root: 'always_on', parentBased: false },
  always_off: { root: 'always_off', parentBased: false },
  traceidratio: { root: 'traceidratio', parentBased: false },
  parentbased_always_on: { root: 'always_on', parentBased: true },
  parentbased_always_off: { root: 'always_off', parentBased: true },
  parentbased_traceidratio: { root: 'traceidratio', parentBased: true },
};

function bad(name: string, problem: string): KadmitError {
  return new KadmitError('KADMIT_OTEL_CONFIG', `${name}: ${problem}`);
}

/** The variable's value, trimmed; undefined when unset or blank (the spec treats empty as unset). */
function read(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  if (raw.length > MAX_VALUE_CHARS) throw bad(name, `longer than ${MAX_VALUE_CHARS} characters`);
  const value = raw.trim();
  return value === '' ? undefined : value;
}

/** The tracing configuration, or undefined when tracing is off. */
export function tracingConfig(env: Env): TracingConfig | undefined {
  const disabled = read(env, 'OTEL_SDK_DISABLED')?.toLowerCase();
  if (disabled !== undefined && disabled !== 'true' && disabled !== 'false') throw bad('OTEL_SDK_DISABLED', `expected true or false, got ${JSON.stringify(disabled)}`);
  const exporters = exportersOf(env);
  if (disabled === 'true' || exporters.length === 0) return undefined;
  const attributes = keyValueList(env, 'OTEL_RESOURCE_ATTRIBUTES');
  return {
    exporters,
    otlp: {
      url: endpointOf(env),
      protocol: protocolOf(env),
      headers: { ...headerList(env, 'OTEL_EXPORTER_OTLP_HEADERS'), ...headerList(env, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS') },
      timeoutMs: timeoutOf(env),
    },
    sampler: samplerOf(env),
    serviceName: serviceNameOf(env, attributes['service.name']),
    resourceAttributes: attributes,
  };
}

function exportersOf(env: Env): TraceExporterName[] {
  const listed = read(env, 'OTEL_TRACES_EXPORTER');
  if (listed === undefined) {
    const endpoint = read(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? read(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
    return endpoint === undefined ? [] : ['otlp'];
  }
  const names = [...new Set(listed.split(',').map((n) => n.trim().toLowerCase()))];
  if (names.includes('none')) {
    if (names.length > 1) throw bad('OTEL_TRACES_EXPORTER', '"none" cannot be combined with other exporters');
    return [];
  }
  for (const n of names) {
    if (n !== 'otlp' && n !== 'console') throw bad('OTEL_TRACES_EXPORTER', `unsupported exporter ${JSON.stringify(n.slice(0, 64))}; kadmit supports otlp, console and none`);
  }
  return names as TraceExporterName[];
}

function endpointOf(env: Env): string {
  const signal = read(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  if (signal !== undefined) return checkedUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', signal);
  // The generic endpoint is a base: the spec appends the signal's path to it.
  const base = read(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (base === undefined) return `${DEFAULT_ENDPOINT}/${TRACES_PATH}`;
  const url = new URL(checkedUrl('OTEL_EXPORTER_OTLP_ENDPOINT', base));
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${TRACES_PATH}`;
  return url.toString();
}

function checkedUrl(name: string, value: string): string {
  if (value.length > MAX_URL_CHARS) throw bad(name, `longer than ${MAX_URL_CHARS} characters`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad(name, `not a URL: ${JSON.stringify(value.slice(0, 200))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad(name, `must be an http:// or https:// URL (kadmit exports OTLP over HTTP), got ${url.protocol}`);
  if (url.username !== '' || url.password !== '') throw bad(name, 'must not carry credentials; put them in OTEL_EXPORTER_OTLP_HEADERS');
  return url.toString();
}

function protocolOf(env: Env): OtlpProtocol {
  const name = read(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') !== undefined ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const value = read(env, name)?.toLowerCase() ?? 'http/protobuf';
  if (value === 'http/json' || value === 'http/protobuf') return value;
  throw bad(name, `unsupported protocol ${JSON.stringify(value.slice(0, 64))}; kadmit supports http/protobuf and http/json`);
}

function timeoutOf(env: Env): number {
  const name = read(env, 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT') !== undefined ? 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT' : 'OTEL_EXPORTER_OTLP_TIMEOUT';
  const value = read(env, name);
  if (value === undefined) return DEFAULT_TIMEOUT_MS;
  const ms = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!(ms >= 1 && ms <= MAX_TIMEOUT_MS)) throw bad(name, `expected whole milliseconds from 1 to ${MAX_TIMEOUT_MS}, got ${JSON.stringify(value.slice(0, 64))}`);
  return ms;
}

function samplerOf(env: Env): SamplerConfig {
  const name = read(env, 'OTEL_TRACES_SAMPLER')?.toLowerCase() ?? 'parentbased_always_on';
  const sampler = SAMPLERS[name];
  if (!sampler) throw bad('OTEL_TRACES_SAMPLER', `unsupported sampler ${JSON.stringify(name.slice(0, 64))}; kadmit supports ${Object.keys(SAMPLERS).join(', ')}`);
  const arg = read(env, 'OTEL_TRACES_SAMPLER_ARG');
  if (sampler.root !== 'traceidratio' || arg === undefined) return { ...sampler, ratio: 1 };
  const ratio = /^(0(\.\d+)?|1(\.0+)?|\.\d+)$/.test(arg) ? Number(arg) : NaN;
  if (!(ratio >= 0 && ratio <= 1)) throw bad('OTEL_TRACES_SAMPLER_ARG', `expected a ratio from 0 to 1, got ${JSON.stringify(arg.slice(0, 64))}`);
  return { ...sampler, ratio };
}

function serviceNameOf(env: Env, fromAttributes: string | undefined): string {
  const name = read(env, 'OTEL_SERVICE_NAME');
  if (name === undefined) return fromAttributes ?? 'kadmit';
  if (name.length > MAX_KEY_CHARS || CONTROL.test(name)) throw bad('OTEL_SERVICE_NAME', `must be at most ${MAX_KEY_CHARS} printable characters`);
  return name;
}

/** `key=value,key2=value2` with percent-encoded values, as the spec writes headers and resource attributes. */
function keyValueList(env: Env, name: string, keyPattern?: RegExp): Record<string, string> {
  const value = read(env, name);
  const out: Record<string, string> = {};
  if (value === undefined) return out;
  const pairs = value.split(',').filter((p) => p.trim() !== '');
  if (pairs.length > MAX_PAIRS) throw bad(name, `more than ${MAX_PAIRS} entries`);
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw bad(name, `expected key=value, got ${JSON.stringify(pair.slice(0, 64))}`);
    const key = pair.slice(0, eq).trim();
    if (key.length > MAX_KEY_CHARS || CONTROL.test(key) || (keyPattern && !keyPattern.test(key))) throw bad(name, `invalid key ${JSON.stringify(key.slice(0, 64))}`);
    let decoded: string;
    try {
      decoded = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      throw bad(name, `the value of ${key} is not valid percent-encoding`);
    }
    if (decoded.length > MAX_PAIR_VALUE_CHARS || CONTROL.test(decoded)) throw bad(name, `the value of ${key} must be at most ${MAX_PAIR_VALUE_CHARS} printable characters`);
    out[key] = decoded;
  }
  return out;
}

/** Header names are HTTP tokens, compared in lower case. */
function headerList(env: Env, name: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(keyValueList(env, name, HEADER_NAME))) headers[key.toLowerCase()] = value;
  return headers;
}
