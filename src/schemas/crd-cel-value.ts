// A custom resource's JSON as CEL sees it in validation rules, following the
// API server's conversion: integers are CEL ints, numbers doubles; strings with
// format date-time/date are timestamps, duration durations, byte bytes;
// properties are renamed where CEL needs it (x-y -> x__dash__y, a reserved word
// w -> __w__) and those no CEL name can reach are left out, as are fields the
// schema does not declare; a null the server would prune is absent; embedded
// resources (and the root) expose apiVersion, kind and metadata.name and
// generateName only.
import { Duration } from '@marcbachmann/cel-js/evaluator';
import type { StructuralNode } from './crd-structural.ts';
import { isObject, type JsonObject } from '../json.ts';

const RESERVED = new Set([
  'true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let',
  'loop', 'package', 'namespace', 'return', 'var', 'void', 'while',
]);
const ESCAPES: Record<string, string> = { __: '__underscores__', '.': '__dot__', '-': '__dash__', '/': '__slash__' };

/** The CEL name of a property, or undefined when CEL cannot name it. */
export function escapePropertyName(name: string): string | undefined {
  if (name === '' || /^[0-9]/.test(name) || /[^a-zA-Z0-9_./-]/.test(name)) return undefined;
  if (RESERVED.has(name)) return `__${name}__`;
  return name.replace(/__|[./-]/g, (m) => ESCAPES[m]!);
}

/** Any JSON as CEL values: whole numbers become ints (how Go decodes unstructured JSON). */
function untyped(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(untyped);
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = untyped(v);
    return out;
  }
  return value;
}

const GO_DURATION = /([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h|d|w)/g;
const UNIT_NANOS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9, d: 86400e9, w: 604800e9 };

// strfmt.ParseDuration: Go's time.ParseDuration plus days and weeks.
function duration(text: string): Duration | string {
  const sign = text.startsWith('-') ? -1 : 1;
  const body = text.replace(/^[+-]/, '');
  if (body === '' || body.replace(GO_DURATION, '') !== '') return text;
  let nanos = 0;
  for (const m of body.matchAll(GO_DURATION)) nanos += Number(m[1]) * UNIT_NANOS[m[2]!]!;
  return Duration.fromMilliseconds((sign * nanos) / 1e6);
}

function formatted(value: string, format: string | undefined): unknown {
  switch (format) {
    case 'date-time':
    case 'date': {
      const t = new Date(format === 'date' ? `${value}T00:00:00Z` : value);
      return Number.isNaN(t.getTime()) ? value : t;
    }
    case 'duration':
      return duration(value);
    case 'byte':
      return new Uint8Array(Buffer.from(value, 'base64'));
    default:
      return value;
  }
}

function objectValue(value: JsonObject, node: StructuralNode, resourceRoot: boolean): JsonObject {
  const out: JsonObject = {};
  if (node.properties !== undefined) {
    for (const [key, prop] of node.properties) {
      const v = value[key];
      const name = escapePropertyName(key);
      if (v === undefined || name === undefined || (v === null && !prop.nullable)) continue;
      if (resourceRoot && key === 'metadata') continue;
      out[name] = toCelValue(v, prop);
    }
  } else if (node.additionalProperties !== undefined) {
    for (const [key, v] of Object.entries(value)) out[key] = toCelValue(v, node.additionalProperties);
  } else if (node.preserveUnknownFields) {
    return untyped(value) as JsonObject;
  }
  if (resourceRoot) {
    for (const key of ['apiVersion', 'kind'] as const) if (typeof value[key] === 'string') out[key] = value[key];
    const meta = value['metadata'];
    if (isObject(meta)) {
      const m: JsonObject = {};
      for (const key of ['name', 'generateName'] as const) if (typeof meta[key] === 'string') m[key] = meta[key];
      out['metadata'] = m;
    }
  }
  return out;
}

/** `value` (already defaulted) as CEL values for rules declared at `node`. */
export function toCelValue(value: unknown, node: StructuralNode, resourceRoot = node.embeddedResource): unknown {
  if (value === null || value === undefined) return null;
  if (node.intOrString) return typeof value === 'number' ? BigInt(value) : value;
  switch (node.type) {
    case 'object':
      return isObject(value) ? objectValue(value, node, resourceRoot) : untyped(value);
    case 'array':
      return Array.isArray(value) && node.items !== undefined ? value.map((v) => toCelValue(v, node.items!)) : untyped(value);
    case 'string':
      return typeof value === 'string' ? formatted(value, node.format) : value;
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : value;
    case 'number':
    case 'boolean':
      return value;
    default:
      return untyped(value);
  }
}
