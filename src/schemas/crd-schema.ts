// One CRD version's openAPIV3Schema -> a zod schema for its custom resources.
// First the structural-schema rules the API server enforces on a CRD (so a CRD it
// would refuse fails kadmit's start-up, naming the schema path), then a validator
// with the API server's semantics, except that unknown fields are kept, not pruned:
// kadmit hands on objects exactly as received.
//
// Validation rules (x-kubernetes-validations), list-type uniqueness and defaults
// are the rule layer's (crd-rule-layer.ts), which runs on objects this accepts.
import * as z from 'zod';
import { compileRe2 } from '../cel/re2.ts';
import type { RE2JS } from 're2js';
import { MAX_NESTED_ISSUES, anyObject, leafSchema, mapOf, pushNested } from './builders.ts';
import type { Schema } from './builders.ts';
import { FORMATS } from './formats.ts';
import { formatJsonPath } from '../json-path.ts';
import { isObject } from '../json.ts';
import { int64, isInt64, jsonTypeOf } from './leaves.ts';
import type { JsonTypeName, Leaf } from './leaves.ts';

export interface CrdSchemaContext {
  /** The built-in ObjectMeta schema: metadata of the resource and of embedded resources. */
  objectMeta: Schema;
  /** Throws the start-up error for this CRD at `path` (a path inside the CRD object). */
  invalid(path: readonly PropertyKey[], reason: string): never;
}

type Node = Record<string, unknown>;
type Level = 'root' | 'item' | 'field' | 'nested';

const TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);
const FORBIDDEN: Record<string, string> = {
  id: 'id is not supported',
  $schema: '$schema is not supported',
  $ref: '$ref is not supported',
  definitions: 'definitions is not supported',
  dependencies: 'dependencies is not supported',
  patternProperties: 'patternProperties is not supported',
  additionalItems: 'additionalItems is not supported',
};
// Inside allOf/anyOf/oneOf/not only value validations are allowed (structural schemas).
const NOT_NESTED = [
  'type', 'additionalProperties', 'default', 'title', 'description', 'nullable', 'externalDocs',
  'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource', 'x-kubernetes-int-or-string',
  'x-kubernetes-list-map-keys', 'x-kubernetes-list-type', 'x-kubernetes-map-type', 'x-kubernetes-validations',
];

function isIntOrStringAnyOf(v: unknown): boolean {
  return (
    Array.isArray(v) &&
    v.length === 2 &&
    isObject(v[0]) && Object.keys(v[0]).length === 1 && v[0]['type'] === 'integer' &&
    isObject(v[1]) && Object.keys(v[1]).length === 1 && v[1]['type'] === 'string'
  );
}

/** Compiles the root schema of one CRD version; `path` locates it in the CRD object. */
export function compileCrdSchema(root: unknown, path: readonly PropertyKey[], ctx: CrdSchemaContext): Schema {
  return compileNode(root, path, 'root', ctx);
}

function compileNode(raw: unknown, path: readonly PropertyKey[], level: Level, ctx: CrdSchemaContext, skipAnyOf = false): Schema {
  if (!isObject(raw)) return ctx.invalid(path, 'must be a schema object');
  const node = raw;
  checkStructure(node, path, level, ctx);
  const embedded = level === 'root' || node['x-kubernetes-embedded-resource'] === true;
  let schema = baseSchema(node, path, level, ctx, embedded);
  const checks = valueChecks(node, path, ctx, skipAnyOf);
  if (embedded) checks.push(embeddedResourceCheck(ctx.objectMeta, level === 'root' ? rootMetadataSchema(node, path, ctx) : undefined));
  if (checks.length > 0) schema = schema.check(...checks);
  if (level !== 'nested' && checks.length > 0 && Array.isArray(node['enum'])) checkEnumValues(node, schema, path, ctx);
  return node['nullable'] === true ? schema.nullable() : schema;
}

function checkStructure(node: Node, path: readonly PropertyKey[], level: Level, ctx: CrdSchemaContext): void {
  for (const [key, reason] of Object.entries(FORBIDDEN)) {
    if (Object.hasOwn(node, key)) ctx.invalid([...path, key], reason);
  }
  if (node['uniqueItems'] === true) ctx.invalid([...path, 'uniqueItems'], 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic');
  if (node['x-kubernetes-preserve-unknown-fields'] === false) ctx.invalid([...path, 'x-kubernetes-preserve-unknown-fields'], 'must be true or undefined');
  const type = node['type'];
  if (type !== undefined && (typeof type !== 'string' || !TYPES.has(type))) {
    ctx.invalid([...path, 'type'], type === 'null' ? 'type cannot be set to null, use nullable as an alternative' : `unsupported type ${JSON.stringify(type)}`);
  }
  const intOrString = node['x-kubernetes-int-or-string'] === true;
  const preserve = node['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = node['x-kubernetes-embedded-resource'] === true;
  if (level === 'nested') {
    for (const key of NOT_NESTED) {
      if (Object.hasOwn(node, key)) ctx.invalid([...path, key], 'must be undefined to be structural (inside allOf, anyOf, oneOf or not)');
    }
    if (isObject(node['properties']) && Object.hasOwn(node['properties'], 'metadata')) ctx.invalid([...path, 'properties', 'metadata'], 'must not be specified in a nested context');
  } else if (type === undefined && !intOrString && !preserve) {
    ctx.invalid([...path, 'type'], level === 'root' ? 'must not be empty at the root' : `must not be empty for specified ${level === 'item' ? 'array items' : 'object fields'}`);
  }
  if (level === 'root' && type !== undefined && type !== 'object') ctx.invalid([...path, 'type'], 'must be object at the root');
  if (intOrString && preserve) ctx.invalid([...path, 'x-kubernetes-preserve-unknown-fields'], 'must be false if x-kubernetes-int-or-string is true');
  if (intOrString && embedded) ctx.invalid([...path, 'x-kubernetes-embedded-resource'], 'must be false if x-kubernetes-int-or-string is true');
  if (embedded && type !== 'object') ctx.invalid([...path, 'type'], 'must be object if x-kubernetes-embedded-resource is true');
  if (embedded && !preserve && !isObject(node['properties'])) ctx.invalid([...path, 'properties'], 'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields');
  const ap = node['additionalProperties'];
  if (ap !== undefined) {
    if (level === 'root') ctx.invalid([...path, 'additionalProperties'], 'must not be used at the root');
    if (embedded) ctx.invalid([...path, 'additionalProperties'], 'must not be used if x-kubernetes-embedded-resource is set');
    if (isObject(node['properties']) && Object.keys(node['properties']).length > 0 && ap !== true) {
      ctx.invalid([...path, 'additionalProperties'], 'additionalProperties and properties are mutual exclusive');
    }
    if (typeof ap !== 'boolean' && !isObject(ap)) ctx.invalid([...path, 'additionalProperties'], 'must be a boolean or a schema object');
  }
  if (Array.isArray(node['items'])) ctx.invalid([...path, 'items'], 'items must be a schema object and not an array');
  if (type === 'array' && node['items'] === undefined) ctx.invalid([...path, 'items'], 'must be specified');
  if (node['x-kubernetes-list-type'] !== undefined && type !== 'array' && level !== 'nested') ctx.invalid([...path, 'type'], 'must be array if x-kubernetes-list-type is specified');
  if (node['x-kubernetes-map-type'] !== undefined && type !== 'object' && level !== 'nested') ctx.invalid([...path, 'type'], 'must be object if x-kubernetes-map-type is specified');
}

// `pattern` is RE2, as CEL's regular expressions (re2.ts).
function compilePattern(pattern: unknown, path: readonly PropertyKey[], ctx: CrdSchemaContext): RE2JS {
  if (typeof pattern !== 'string') return ctx.invalid(path, 'must be a string');
  try {
    return compileRe2(pattern);
  } catch (err) {
    return ctx.invalid(path, `must be a valid regular expression, but isn't: ${(err as Error).message}`);
  }
}

function baseSchema(node: Node, path: readonly PropertyKey[], level: Level, ctx: CrdSchemaContext, embedded: boolean): Schema {
  if (node['x-kubernetes-int-or-string'] === true) return leafSchema(intOrString64);
  switch (node['type']) {
    case 'string':
      return z.string();
    case 'integer':
      return leafSchema(int64);
    case 'number':
      return z.number();
    case 'boolean':
      return z.boolean();
    case 'array':
      return z.array(compileNode(node['items'], [...path, 'items'], 'item', ctx));
    case 'object':
      return objectSchema(node, path, ctx, embedded);
    default:
      // No type: preserve-unknown-fields, or a value validation inside a junctor.
      // Properties, items and required then apply only to values of that shape.
      return level === 'nested' || isObject(node['properties']) || node['items'] !== undefined ? shapeIfMatching(node, path, ctx, level === 'nested' ? 'nested' : 'field') : z.unknown();
  }
}

// Fields the API server prunes a null from before validating it (an optional,
// non-nullable field, or a map value) accept null here; a required field does not.
function objectSchema(node: Node, path: readonly PropertyKey[], ctx: CrdSchemaContext, embedded: boolean): Schema {
  const props = isObject(node['properties']) ? node['properties'] : undefined;
  const ap = node['additionalProperties'];
  const required = requiredList(node, path, ctx);
  let schema: Schema;
  if (props === undefined) {
    schema = isObject(ap) ? mapOf(orNull(compileNode(ap, [...path, 'additionalProperties'], 'field', ctx))) : anyObject;
  } else {
    const shape: Record<string, Schema> = {};
    for (const [key, sub] of Object.entries(props)) {
      // Resource metadata is validated as ObjectMeta by the embedded-resource check.
      if (embedded && key === 'metadata') continue;
      const s = compileNode(sub, [...path, 'properties', key], 'field', ctx);
      shape[key] = required.includes(key) ? s : orNull(s).optional();
    }
    schema = z.looseObject(shape);
  }
  // Presence is checked on the object: a property schema that accepts anything
  // (preserve-unknown-fields) would also accept its absence.
  return required.length === 0 ? schema : schema.check(requiredCheck(required));
}

function requiredCheck(required: readonly string[]): Check {
  return (payload) => {
    const v = payload.value;
    if (!isObject(v)) return;
    for (const key of required) if (v[key] === undefined) payload.issues.push(customIssue(present, undefined, [key]));
  };
}

function orNull(s: Schema): Schema {
  return s instanceof z.ZodNullable ? s : s.nullable();
}

function requiredList(node: Node, path: readonly PropertyKey[], ctx: CrdSchemaContext): string[] {
  const r = node['required'];
  if (r === undefined) return [];
  if (!Array.isArray(r) || !r.every((k) => typeof k === 'string')) return ctx.invalid([...path, 'required'], 'must be a list of property names');
  return r;
}

// An untyped node with properties/items: check them only when the value is an
// object/array (JSON Schema semantics for value validations).
function shapeIfMatching(node: Node, path: readonly PropertyKey[], ctx: CrdSchemaContext, childLevel: Level): Schema {
  const props = isObject(node['properties']) ? node['properties'] : {};
  const fields = Object.entries(props).map(([k, v]) => [k, compileNode(v, [...path, 'properties', k], childLevel, ctx)] as const);
  const items = node['items'] === undefined ? undefined : compileNode(node['items'], [...path, 'items'], childLevel === 'nested' ? 'nested' : 'item', ctx);
  const required = requiredList(node, path, ctx);
  const missing = requiredCheck(required);
  return z.unknown().check((payload) => {
    const v = payload.value;
    if (isObject(v)) {
      missing(payload);
      for (const [k, s] of fields) if (v[k] !== undefined && v[k] !== null) pushNested(payload, s, v[k], [k]);
    } else if (Array.isArray(v) && items !== undefined) {
      let issues = 0;
      for (let i = 0; i < v.length && issues < MAX_NESTED_ISSUES; i++) {
        if (!items.validate(v[i])) issues += pushNested(payload, items, v[i], [i]);
      }
    }
  });
}

type Payload = z.core.ParsePayload<unknown>;
type Check = (payload: Payload) => void;

function customIssue(leaf: Leaf, input: unknown, path: PropertyKey[] = []): z.core.$ZodRawIssue {
  return { code: 'custom', input, path, params: { leaf }, message: leaf.expected(input) };
}

function leafCheck(leaf: Leaf): Check {
  return (payload) => {
    if (!leaf.test(payload.value)) payload.issues.push(customIssue(leaf, payload.value));
  };
}

// A leaf that applies only to values of one JSON type (JSON Schema keywords do).
function when(types: readonly JsonTypeName[], expected: string, test: (v: never) => boolean): Leaf {
  return {
    test: (v) => !types.includes(jsonTypeOf(v)) || test(v as never),
    expected: () => expected,
    accepts: types,
  };
}

const present: Leaf = { test: (v) => v !== undefined, expected: () => 'a value (required)', accepts: [] };
const intOrString64: Leaf = {
  test: (v) => typeof v === 'string' || isInt64(v),
  expected: () => 'integer or string',
  accepts: ['integer', 'string'],
};

function num(node: Node, key: string, path: readonly PropertyKey[], ctx: CrdSchemaContext): number | undefined {
  const v = node[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number') return ctx.invalid([...path, key], 'must be a number');
  return v;
}

const NUMBERS: JsonTypeName[] = ['integer', 'number'];

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function valueChecks(node: Node, path: readonly PropertyKey[], ctx: CrdSchemaContext, skipAnyOf: boolean): Check[] {
  const leafs: Leaf[] = [];
  const max = num(node, 'maximum', path, ctx);
  const min = num(node, 'minimum', path, ctx);
  if (max !== undefined) {
    const ex = node['exclusiveMaximum'] === true;
    leafs.push(when(NUMBERS, `number ${ex ? '<' : '<='} ${max}`, (v: number) => (ex ? v < max : v <= max)));
  }
  if (min !== undefined) {
    const ex = node['exclusiveMinimum'] === true;
    leafs.push(when(NUMBERS, `number ${ex ? '>' : '>='} ${min}`, (v: number) => (ex ? v > min : v >= min)));
  }
  const multipleOf = num(node, 'multipleOf', path, ctx);
  if (multipleOf !== undefined) {
    if (multipleOf <= 0) ctx.invalid([...path, 'multipleOf'], 'must be greater than 0');
    leafs.push(when(NUMBERS, `multiple of ${multipleOf}`, (v: number) => Number.isInteger(v / multipleOf)));
  }
  const maxLength = num(node, 'maxLength', path, ctx);
  if (maxLength !== undefined) leafs.push(when(['string'], `string of at most ${maxLength} characters`, (v: string) => v.length <= maxLength || codePoints(v) <= maxLength));
  const minLength = num(node, 'minLength', path, ctx);
  if (minLength !== undefined) leafs.push(when(['string'], `string of at least ${minLength} characters`, (v: string) => codePoints(v) >= minLength));
  const maxItems = num(node, 'maxItems', path, ctx);
  if (maxItems !== undefined) leafs.push(when(['array'], `at most ${maxItems} items`, (v: unknown[]) => v.length <= maxItems));
  const minItems = num(node, 'minItems', path, ctx);
  if (minItems !== undefined) leafs.push(when(['array'], `at least ${minItems} items`, (v: unknown[]) => v.length >= minItems));
  const maxProps = num(node, 'maxProperties', path, ctx);
  if (maxProps !== undefined) leafs.push(when(['object'], `at most ${maxProps} properties`, (v: object) => Object.keys(v).length <= maxProps));
  const minProps = num(node, 'minProperties', path, ctx);
  if (minProps !== undefined) leafs.push(when(['object'], `at least ${minProps} properties`, (v: object) => Object.keys(v).length >= minProps));
  if (node['pattern'] !== undefined) {
    const re = compilePattern(node['pattern'], [...path, 'pattern'], ctx);
    leafs.push(when(['string'], `string matching /${re.pattern()}/`, (v: string) => re.test(v)));
  }
  const format = typeof node['format'] === 'string' ? FORMATS[node['format']] : undefined;
  if (format !== undefined) {
    leafs.push(when(format.appliesTo === 'integer' ? ['integer'] : ['string'], format.label, (v: string | number) => format.test(v)));
  }
  const enumValues = node['enum'];
  if (enumValues !== undefined) {
    if (!Array.isArray(enumValues)) ctx.invalid([...path, 'enum'], 'must be a list');
    const keys = new Set(enumValues.map((e) => canonical(e)));
    const shown = enumValues.slice(0, 8).map((e) => JSON.stringify(e)).join(', ');
    leafs.push({ test: (v) => keys.has(canonical(v)), expected: () => `one of ${shown}${enumValues.length > 8 ? ', …' : ''}`, accepts: ['string', 'integer', 'number', 'boolean', 'null'] });
  }
  const checks = leafs.map(leafCheck);
  checks.push(...junctorChecks(node, path, ctx, skipAnyOf));
  return checks;
}

// Order-independent JSON for enum comparison (enum entries may be objects).
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'undefined';
}

function junctorChecks(node: Node, path: readonly PropertyKey[], ctx: CrdSchemaContext, skipAnyOf: boolean): Check[] {
  const checks: Check[] = [];
  const intOrString = node['x-kubernetes-int-or-string'] === true;
  const list = (key: string): Schema[] => {
    const v = node[key];
    if (v === undefined) return [];
    if (!Array.isArray(v)) return ctx.invalid([...path, key], 'must be a list of schemas');
    return v.map((branch, i) => {
      // int-or-string is spelled anyOf: [{type: integer}, {type: string}], possibly as allOf[0].
      const skip = intOrString && key === 'allOf' && i === 0 && isObject(branch) && isIntOrStringAnyOf(branch['anyOf']);
      return compileNode(branch, [...path, key, i], 'nested', ctx, skip);
    });
  };
  for (const branch of list('allOf')) checks.push((payload) => pushNested(payload, branch, payload.value, []));
  const anyOf = skipAnyOf || (intOrString && isIntOrStringAnyOf(node['anyOf'])) ? [] : list('anyOf');
  if (anyOf.length > 0) {
    const leaf: Leaf = { test: (v) => anyOf.some((b) => b.validate(v)), expected: () => `a value matching at least one of ${anyOf.length} anyOf schemas`, accepts: [] };
    checks.push(leafCheck(leaf));
  }
  const oneOf = list('oneOf');
  if (oneOf.length > 0) {
    const leaf: Leaf = { test: (v) => oneOf.filter((b) => b.validate(v)).length === 1, expected: () => `a value matching exactly one of ${oneOf.length} oneOf schemas`, accepts: [] };
    checks.push(leafCheck(leaf));
  }
  if (node['not'] !== undefined) {
    const not = compileNode(node['not'], [...path, 'not'], 'nested', ctx);
    checks.push(leafCheck({ test: (v) => !not.validate(v), expected: () => 'a value not matching the "not" schema', accepts: [] }));
  }
  return checks;
}

// The root of a custom resource and every x-kubernetes-embedded-resource object:
// apiVersion and kind present and non-empty strings, metadata a valid ObjectMeta.
function embeddedResourceCheck(objectMeta: Schema, metadataRules: Schema | undefined): Check {
  const nonEmpty: Leaf = { test: (v) => typeof v === 'string' && v !== '', expected: () => 'non-empty string', accepts: ['string'] };
  return (payload) => {
    const v = payload.value;
    if (!isObject(v)) return;
    for (const key of ['apiVersion', 'kind']) {
      if (!nonEmpty.test(v[key])) payload.issues.push(customIssue(nonEmpty, v[key], [key]));
    }
    if (v['metadata'] !== undefined) {
      pushNested(payload, objectMeta, v['metadata'], ['metadata']);
      if (metadataRules !== undefined) pushNested(payload, metadataRules, v['metadata'], ['metadata']);
    }
  };
}

// At the root, metadata may only restrict name and generateName.
function rootMetadataSchema(root: Node, path: readonly PropertyKey[], ctx: CrdSchemaContext): Schema | undefined {
  const props = isObject(root['properties']) ? root['properties'] : undefined;
  const meta = props?.['metadata'];
  if (meta === undefined) return undefined;
  const where = [...path, 'properties', 'metadata'];
  if (!isObject(meta)) return ctx.invalid(where, 'must be a schema object');
  if (meta['type'] !== 'object') ctx.invalid([...where, 'type'], 'must be object');
  const metaProps = isObject(meta['properties']) ? meta['properties'] : {};
  const extra = Object.keys(meta).filter((k) => k !== 'type' && k !== 'properties' && k !== 'description');
  const extraProps = Object.keys(metaProps).filter((k) => k !== 'name' && k !== 'generateName');
  if (extra.length > 0 || extraProps.length > 0) ctx.invalid(where, 'must not specify anything other than name and generateName, but metadata is implicitly specified');
  const shape: Record<string, Schema> = {};
  for (const key of Object.keys(metaProps)) shape[key] = compileNode(metaProps[key], [...where, 'properties', key], 'field', ctx).optional();
  return Object.keys(shape).length > 0 ? z.looseObject(shape) : undefined;
}

// The API server rejects a CRD whose enum lists a value its own schema refuses.
function checkEnumValues(node: Node, schema: Schema, path: readonly PropertyKey[], ctx: CrdSchemaContext): void {
  (node['enum'] as unknown[]).forEach((value, i) => {
    if (value === null && node['nullable'] === true) return;
    const r = schema.safeParse(value, { reportInput: true });
    if (!r.success) ctx.invalid([...path, 'enum', i], `invalid value in enum: ${JSON.stringify(value)} at ${formatJsonPath(r.error.issues[0]?.path ?? []) || '(value)'}`);
  });
}
