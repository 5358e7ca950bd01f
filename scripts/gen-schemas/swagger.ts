// The subset of Swagger 2.0 the Kubernetes definitions use, and the names the
// generator derives from definition names. Anything outside this subset makes the
// generator fail, so a new construct in a newer release is noticed, not skipped.
import { pascal } from '../../src/schemas/typegen/print.ts';

export interface SwaggerGvk {
  group: string;
  version: string;
  kind: string;
}

export interface SwaggerSchema {
  type?: string;
  format?: string;
  $ref?: string;
  description?: string;
  properties?: Record<string, SwaggerSchema>;
  required?: string[];
  items?: SwaggerSchema;
  additionalProperties?: SwaggerSchema | boolean;
  enum?: unknown[];
  'x-kubernetes-group-version-kind'?: SwaggerGvk[];
  [extension: `x-${string}`]: unknown;
}

export interface SwaggerDocument {
  swagger: string;
  definitions: Record<string, SwaggerSchema>;
}

export class GeneratorError extends Error {
  override name = 'GeneratorError';
}

export function parseSwagger(text: string): SwaggerDocument {
  const doc = JSON.parse(text) as Partial<SwaggerDocument>;
  if (doc.swagger !== '2.0' || typeof doc.definitions !== 'object' || doc.definitions === null) {
    throw new GeneratorError('not a Swagger 2.0 document with definitions');
  }
  return doc as SwaggerDocument;
}

const REF_PREFIX = '#/definitions/';

export function refName(ref: string, where: string): string {
  if (!ref.startsWith(REF_PREFIX)) throw new GeneratorError(`${where}: unsupported $ref ${ref}`);
  return ref.slice(REF_PREFIX.length);
}

/** Names sorted the same on every machine (no locale). */
export function sortedKeys(o: object): string[] {
  return Object.keys(o).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

const VERSION = /^v\d+(?:(?:alpha|beta)\d+)?$/;

/**
 * TypeScript name of a definition: package (with its version) + type name, e.g.
 * io.k8s.api.core.v1.Pod -> CoreV1Pod, io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta
 * -> MetaV1ObjectMeta, io.k8s.apimachinery.pkg.api.resource.Quantity -> ResourceQuantity.
 */
export function qualifiedTypeName(definition: string): string {
  const parts = definition.split('.');
  const type = parts.pop()!;
  const last = parts.at(-1) ?? '';
  const pkg = VERSION.test(last) ? pascal(parts.at(-2) ?? '') + pascal(last) : pascal(last);
  return pkg + type;
}

export function bareTypeName(definition: string): string {
  return definition.split('.').at(-1)!;
}

/**
 * Which definition gets the bare name (`Pod`) when several share it: a kind over a
 * nested type, the core group, then the most stable and newest version. A tie leaves
 * the name unassigned, so nobody imports `Subject` and silently gets the wrong one.
 */
export function preferenceOf(definition: string, isKind: boolean): number[] {
  const parts = definition.split('.');
  parts.pop();
  const version = parts.at(-1) ?? '';
  const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(version);
  const core = definition.startsWith('io.k8s.api.core.') ? 1 : 0;
  const kind = isKind ? 1 : 0;
  if (m === null) return [kind, core, 3, 0, 0];
  const stability = m[2] === undefined ? 2 : m[2] === 'beta' ? 1 : 0;
  return [kind, core, stability, Number(m[1]), Number(m[3] ?? 0)];
}

/** First sentence of a description, on one line, for a doc comment. */
export function summary(description: string | undefined, max = 160): string | undefined {
  if (description === undefined) return undefined;
  const line = description.replace(/\s+/g, ' ').trim();
  const end = line.search(/\.(\s|$)/);
  let s = end >= 0 ? line.slice(0, end + 1) : line;
  if (s.length > max) s = `${s.slice(0, max - 1)}…`;
  return s.replace(/\*\//g, '*\\/');
}
