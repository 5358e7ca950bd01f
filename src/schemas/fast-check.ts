// The built-in schemas (ir.ts) compiled to plain yes/no functions, one closure
// per node, built on first use of a definition. They say only whether an
// object fits; the zod schemas (builders.ts) stay the source of truth and
// explain a no. A review of a valid Pod is the common case, and there zod's
// generic walk (a parse context, a payload and a result per node) was the
// largest cost of a review in a worker; these closures walk the object once
// and allocate nothing.
//
// Each function accepts exactly what the zod schema accepts (builders.ts
// conventions: loose objects, optional fields may be null, open enums unless
// strict); test/schemas/fast-check.test.ts runs both on real objects and on
// mutations of them.
import { KadmitError } from '../errors.ts';
import { isObject } from '../json.ts';
import type { IrLeaf, IrNode } from './ir.ts';
import * as leaves from './leaves.ts';

export type FastTest = (value: unknown) => boolean;

const LEAF_TESTS: Readonly<Record<IrLeaf, FastTest>> = {
  string: (v) => typeof v === 'string',
  boolean: (v) => typeof v === 'boolean',
  // zod's number() refuses NaN and the infinities (JSON has neither).
  double: (v) => typeof v === 'number' && Number.isFinite(v),
  int32: leaves.int32.test,
  int64: leaves.int64.test,
  byte: leaves.base64.test,
  dateTime: leaves.dateTime.test,
  microTime: leaves.microTime.test,
  intOrString: leaves.intOrString.test,
  quantity: leaves.quantity.test,
  any: () => true,
  anyObject: isObject,
};

export class FastCheckCompiler {
  readonly #definitions: Readonly<Record<string, IrNode>>;
  readonly #strictEnums: boolean;
  readonly #built = new Map<string, FastTest>();

  constructor(definitions: Readonly<Record<string, IrNode>>, options: { strictEnums?: boolean } = {}) {
    this.#definitions = definitions;
    this.#strictEnums = options.strictEnums === true;
  }

  /** Definitions compiled so far. */
  get size(): number {
    return this.#built.size;
  }

  /** The test of a definition, compiled (with what it references) on first call. */
  test(definition: string): FastTest {
    const built = this.#built.get(definition);
    if (built !== undefined) return built;
    if (!Object.hasOwn(this.#definitions, definition)) throw new KadmitError('KADMIT_SCHEMA_UNKNOWN_DEFINITION', `no schema definition named ${definition}`);
    // Registered before it is built: a definition that contains itself
    // (JSONSchemaProps) calls back through this cell once it is filled.
    let compiled: FastTest | undefined;
    const cell: FastTest = (v) => compiled!(v);
    this.#built.set(definition, cell);
    compiled = this.#build(this.#definitions[definition]!);
    this.#built.set(definition, compiled);
    return compiled;
  }

  #build(node: IrNode): FastTest {
    if (typeof node === 'string') return LEAF_TESTS[node];
    if ('ref' in node) return this.test(node.ref);
    if ('array' in node) return arrayOf(this.#build(node.array));
    if ('map' in node) return mapOf(this.#build(node.map));
    if ('enum' in node) return this.#strictEnums ? oneOf(node.enum) : LEAF_TESTS.string;
    if ('union' in node) return anyOf(node.union.map((n) => this.#build(n)));
    return objectOf(node, (n) => this.#build(n));
  }
}

function arrayOf(item: FastTest): FastTest {
  return (v) => {
    if (!Array.isArray(v)) return false;
    for (let i = 0; i < v.length; i++) if (!item(v[i])) return false;
    return true;
  };
}

function mapOf(value: FastTest): FastTest {
  return (v) => {
    if (!isObject(v)) return false;
    for (const key in v) if (!value(v[key])) return false;
    return true;
  };
}

function oneOf(values: readonly string[]): FastTest {
  const allowed = new Set(values);
  return (v) => typeof v === 'string' && allowed.has(v);
}

function anyOf(tests: readonly FastTest[]): FastTest {
  return (v) => tests.some((t) => t(v));
}

/** A loose object: the listed fields are checked, others pass; an optional field may be absent or null. */
function objectOf(node: { object: Record<string, IrNode>; required?: string[] }, build: (n: IrNode) => FastTest): FastTest {
  const required = new Set(node.required ?? []);
  const keys = Object.keys(node.object);
  const tests = keys.map((key) => build(node.object[key]!));
  const optional = keys.map((key) => !required.has(key));
  const n = keys.length;
  return (v) => {
    if (!isObject(v)) return false;
    for (let i = 0; i < n; i++) {
      const field = v[keys[i]!];
      if (optional[i] && (field === undefined || field === null)) continue;
      if (!tests[i]!(field)) return false;
    }
    return true;
  };
}
