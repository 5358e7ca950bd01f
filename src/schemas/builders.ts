// Turns the generated schema nodes (ir.ts) into zod schemas, one definition at a
// time on first use, each compiled once however many kinds share it. Kubernetes'
// conventions live here once instead of in 771 generated places:
// - objects are loose: unknown fields pass, because a newer API server may send
//   fields this release does not know, and kadmit never strips what it hands on;
// - an optional field may be null: the API server's decoder reads null as "unset",
//   and writes null itself for some zero values; a required field may not be null;
// - enum lists are open by default (see README: a newer server may send new values).
import * as z from 'zod';
import { KadmitError } from '../errors.ts';
import { isObject } from '../json.ts';
import { bundle } from './bundle.ts';
import type { IrLeaf, IrNode } from './ir.ts';
import * as leaves from './leaves.ts';
import type { Leaf } from './leaves.ts';

export type Schema = z.ZodType;

export interface CompilerOptions {
  /** Reject enum values this release does not list. Off by default. */
  strictEnums?: boolean;
}

export function leafSchema(leaf: Leaf): Schema {
  return z.custom(leaf.test, { params: { leaf } });
}

const objectLeaf: Leaf = {
  test: isObject,
  expected: () => 'object',
  accepts: ['object'],
};

// Formats checked by one function each (leaves.ts).
const FORMAT_LEAVES = {
  int32: leaves.int32,
  int64: leaves.int64,
  byte: leaves.base64,
  dateTime: leaves.dateTime,
  microTime: leaves.microTime,
  intOrString: leaves.intOrString,
  quantity: leaves.quantity,
  anyObject: objectLeaf,
} as const;

// Schemas are immutable, so scalars and their optional forms are shared by every
// compiler: memory grows with the definitions compiled, not with their uses.
const LEAVES: Readonly<Record<IrLeaf, Schema>> = {
  string: z.string(),
  boolean: z.boolean(),
  double: z.number(),
  any: z.unknown(),
  ...(Object.fromEntries(Object.entries(FORMAT_LEAVES).map(([name, leaf]) => [name, leafSchema(leaf)])) as Record<keyof typeof FORMAT_LEAVES, Schema>),
};

/** Any JSON object, its content unchecked (RawExtension, preserve-unknown-fields). */
export const anyObject = LEAVES.anyObject;

// What a map value must pass, as a plain function where one exists: maps can
// hold hundreds of thousands of entries, and a per-entry zod call is the cost.
const fastTests = new Map<Schema, (v: unknown) => boolean>([
  [LEAVES.string, (v) => typeof v === 'string'],
  [LEAVES.any, () => true],
  ...Object.entries(FORMAT_LEAVES).map(([name, leaf]) => [LEAVES[name as keyof typeof FORMAT_LEAVES], leaf.test] as const),
]);

/** Most issues one map or list check reports: enough to act on, bounded however many entries are bad. */
export const MAX_NESTED_ISSUES = 64;

/**
 * A JSON object whose every value passes `values` (Swagger additionalProperties).
 * Unlike z.record it builds no output copy, which made 900k-entry maps take seconds.
 */
export function mapOf(values: Schema): Schema {
  const fast = fastTests.get(values) ?? ((v: unknown) => values.validate(v));
  return leafSchema(objectLeaf).check((payload) => {
    const map = payload.value as Record<string, unknown>;
    let issues = 0;
    for (const key in map) {
      const v = map[key];
      if (fast(v)) continue;
      issues += pushNested(payload, values, v, [key]);
      if (issues >= MAX_NESTED_ISSUES) return;
    }
  });
}

/** Runs `schema` on a value inside the one being checked; its issues join the payload under `prefix`. Returns how many. */
export function pushNested(payload: z.core.ParsePayload<unknown>, schema: Schema, value: unknown, prefix: readonly PropertyKey[]): number {
  const r = schema.safeParse(value, { reportInput: true });
  if (r.success) return 0;
  for (const iss of r.error.issues) payload.issues.push({ ...iss, path: [...prefix, ...iss.path], input: iss.input } as z.core.$ZodRawIssue);
  return r.error.issues.length;
}

const optionalForms = new WeakMap<Schema, Schema>();

/** Absent or null, else `schema`. */
export function optionalField(schema: Schema): Schema {
  let o = optionalForms.get(schema);
  if (o === undefined) {
    o = schema.nullable().optional();
    optionalForms.set(schema, o);
  }
  return o;
}

export class DefinitionCompiler {
  readonly #definitions: Readonly<Record<string, IrNode>>;
  readonly #strictEnums: boolean;
  readonly #built = new Map<string, Schema>();
  readonly #building = new Set<string>();
  readonly #cycles = new Map<string, Schema>();

  constructor(definitions: Readonly<Record<string, IrNode>>, options: CompilerOptions = {}) {
    this.#definitions = definitions;
    this.#strictEnums = options.strictEnums === true;
  }

  has(definition: string): boolean {
    return Object.hasOwn(this.#definitions, definition);
  }

  /** Definitions compiled so far. */
  get size(): number {
    return this.#built.size;
  }

  /** The schema of a definition, compiled (with what it references) on first call. */
  ref(definition: string): Schema {
    const built = this.#built.get(definition);
    if (built !== undefined) return built;
    if (this.#building.has(definition)) return this.#cycle(definition);
    if (!this.has(definition)) throw new KadmitError('KADMIT_SCHEMA_UNKNOWN_DEFINITION', `no schema definition named ${definition}`);
    this.#building.add(definition);
    try {
      const schema = this.#build(this.#definitions[definition]!);
      this.#built.set(definition, schema);
      return schema;
    } finally {
      this.#building.delete(definition);
    }
  }

  // A reference back into a definition still being built (JSONSchemaProps).
  #cycle(definition: string): Schema {
    let lazy = this.#cycles.get(definition);
    if (lazy === undefined) {
      lazy = z.lazy(() => this.#built.get(definition)!);
      this.#cycles.set(definition, lazy);
    }
    return lazy;
  }

  #build(node: IrNode): Schema {
    if (typeof node === 'string') return LEAVES[node];
    if ('ref' in node) return this.ref(node.ref);
    if ('array' in node) return z.array(this.#build(node.array));
    if ('map' in node) return mapOf(this.#build(node.map));
    if ('enum' in node) return this.#strictEnums ? z.enum(node.enum) : LEAVES.string;
    if ('union' in node) return z.union(node.union.map((n) => this.#build(n)));
    const required = node.required ?? [];
    const shape: Record<string, Schema> = {};
    for (const [key, field] of Object.entries(node.object)) {
      const schema = this.#build(field);
      shape[key] = required.includes(key) ? schema : optionalField(schema);
    }
    return z.looseObject(shape);
  }
}

/** A compiler of the built-in definitions (generated/schemas.json). */
export function builtinCompiler(options: CompilerOptions = {}): DefinitionCompiler {
  return new DefinitionCompiler(bundle.definitions, options);
}
