// The schema nodes (src/schemas/ir.ts) -> src/schemas/generated/validators/: one
// plain yes/no function per definition, one module per API package. Each
// function reads its fields by name, so every property read has an inline cache
// of its own that sees one or two object shapes, where a generic walk's keyed
// reads go megamorphic in a busy server (measured: 3x slower there than alone).
// They accept exactly what the zod schemas (src/schemas/builders.ts) accept and
// follow their conventions: loose objects, an optional field may be absent or
// null, enums open unless strict. The code is terse on purpose: from source it
// is type-stripped at load, at a cost in proportion to its length. It is also
// plain JavaScript (validator() gives each function its type): the modules are
// loaded with require(), which a require hook (tap's) may hand to Node unstripped.
import type { IrLeaf, IrNode } from '../../src/schemas/ir.ts';
import { propertyKey, quote } from '../../src/schemas/typegen/print.ts';
import { validatorModule } from '../../src/schemas/validators.ts';
import { GeneratorError, qualifiedTypeName } from './swagger.ts';

/** What a leaf accepts, as an expression over `x`, and the function it calls from src/ (if any). */
interface LeafTest {
  test?: (x: string) => string;
  uses?: { name: string; from: string };
}

const LEAVES = "'../../leaves.ts'";
const LEAF_TESTS: Readonly<Record<IrLeaf, LeafTest>> = {
  string: { test: (x) => `typeof ${x} === 'string'` },
  boolean: { test: (x) => `typeof ${x} === 'boolean'` },
  // zod's number() refuses NaN and the infinities (JSON has neither).
  double: { test: (x) => `Number.isFinite(${x})` },
  int32: { test: (x) => `isInt32(${x})`, uses: { name: 'isInt32', from: LEAVES } },
  int64: { test: (x) => `isInt64(${x})`, uses: { name: 'isInt64', from: LEAVES } },
  byte: { test: (x) => `isBase64(${x})`, uses: { name: 'isBase64', from: "'../../../string-formats.ts'" } },
  dateTime: { test: (x) => `isTimeOrNull(${x})`, uses: { name: 'isTimeOrNull', from: LEAVES } },
  microTime: { test: (x) => `isMicroTimeOrNull(${x})`, uses: { name: 'isMicroTimeOrNull', from: LEAVES } },
  intOrString: { test: (x) => `isIntOrString(${x})`, uses: { name: 'isIntOrString', from: LEAVES } },
  quantity: { test: (x) => `isQuantity(${x})`, uses: { name: 'isQuantity', from: LEAVES } },
  any: {},
  anyObject: { test: (x) => `isObject(${x})` },
};
const IS_OBJECT = { name: 'isObject', from: "'../../../json.ts'" };
const VALIDATOR = { name: 'validator', from: "'../../validators.ts'" };

/** The validator function of a definition: `io.k8s.api.core.v1.Pod` -> `isCoreV1Pod`. */
function validatorName(definition: string): string {
  return `is${qualifiedTypeName(definition)}`;
}

/** The negation of a test expression, as one would write it. */
function not(test: string): string {
  const type = /^typeof (\S+) === ('\w+')$/.exec(test);
  if (type !== null) return `typeof ${type[1]} !== ${type[2]}`;
  return /^[\w.]+\([^()]*\)$/.test(test) ? `!${test}` : `!(${test})`;
}

/** One package's module: its functions, and what they use from elsewhere. */
class ModuleEmitter {
  readonly #module: string;
  readonly #definitions: Readonly<Record<string, IrNode>>;
  readonly #enums = new Map<string, string>();
  readonly #functions: string[] = [];
  /** Imported name -> module specifier. */
  readonly imports = new Map<string, string>();

  constructor(module: string, definitions: Readonly<Record<string, IrNode>>) {
    this.#module = module;
    this.#definitions = definitions;
  }

  #uses(name: string, from: string): void {
    const other = this.imports.get(name);
    if (other !== undefined && other !== from) throw new GeneratorError(`${this.#module}: ${name} is imported from both ${other} and ${from}`);
    this.imports.set(name, from);
  }

  #leaf(leaf: IrLeaf, x: string): string | undefined {
    const { test, uses } = LEAF_TESTS[leaf];
    if (uses !== undefined) this.#uses(uses.name, uses.from);
    if (leaf === 'anyObject') this.#uses(IS_OBJECT.name, IS_OBJECT.from);
    return test?.(x);
  }

  /** An expression true when `x` passes `node`; undefined when everything passes; null when it needs statements. */
  #test(node: IrNode, x: string): string | undefined | null {
    if (typeof node === 'string') return this.#leaf(node, x);
    if ('ref' in node) {
      const target = this.#definitions[node.ref];
      if (target === undefined) throw new GeneratorError(`${node.ref}: referenced but not defined`);
      // A definition that is a leaf (Quantity, Time) is checked in place, not called.
      if (typeof target === 'string') return this.#leaf(target, x);
      const fn = validatorName(node.ref);
      const module = validatorModule(node.ref);
      if (module !== this.#module) this.#uses(fn, quote(`./${module}.ts`));
      return `${fn}(${x}, s)`;
    }
    if ('enum' in node) return `typeof ${x} === 'string' && (!s || ${this.#enumList(node.enum)}.includes(${x}))`;
    return null;
  }

  #enumList(values: readonly string[]): string {
    const literal = `[${values.map(quote).join(', ')}]`;
    let name = this.#enums.get(literal);
    if (name === undefined) {
      name = `ENUM_${this.#enums.size}`;
      this.#enums.set(literal, name);
    }
    return name;
  }

  /** Statements that return false unless `x` (a name) passes `node`; `depth` names the loop variables. */
  #check(node: IrNode, x: string, depth: number, indent: string): string[] {
    const test = this.#test(node, x);
    if (test === undefined) return [];
    if (test !== null) return [`${indent}if (${not(test)}) return false;`];
    if (typeof node === 'object' && 'array' in node) {
      const [i, e] = [`i${depth}`, `e${depth}`];
      const head = `${indent}if (!Array.isArray(${x})) return false;`;
      const item = this.#test(node.array, `${x}[${i}]`);
      if (item === undefined) return [head];
      const loop = `${indent}for (let ${i} = 0; ${i} < ${x}.length; ${i}++)`;
      // An item read once is tested in place; otherwise it is named first.
      if (item !== null && item.split(`${x}[${i}]`).length === 2) return [head, `${loop} if (${not(item)}) return false;`];
      return [head, `${loop} {`, `${indent}  const ${e} = ${x}[${i}];`, ...this.#check(node.array, e, depth + 1, `${indent}  `), `${indent}}`];
    }
    if (typeof node === 'object' && 'map' in node) {
      this.#uses(IS_OBJECT.name, IS_OBJECT.from);
      const [k, e] = [`k${depth}`, `e${depth}`];
      const head = `${indent}if (!isObject(${x})) return false;`;
      const value = this.#check(node.map, e, depth + 1, `${indent}  `);
      if (value.length === 0) return [head];
      return [head, `${indent}for (const ${k} in ${x}) {`, `${indent}  const ${e} = ${x}[${k}];`, ...value, `${indent}}`];
    }
    throw new GeneratorError(`${JSON.stringify(node)}: only a definition itself may be an object or a union`);
  }

  /** The function of one definition (and the helpers its union alternatives need). */
  definition(name: string, exported: boolean): void {
    this.#uses(VALIDATOR.name, VALIDATOR.from);
    const node = this.#definitions[name]!;
    const fn = validatorName(name);
    const body: string[] = [];
    if (typeof node === 'object' && 'object' in node) {
      this.#uses(IS_OBJECT.name, IS_OBJECT.from);
      const required = new Set(node.required ?? []);
      body.push('  if (!isObject(v)) return false;', '  let f;');
      for (const [key, field] of Object.entries(node.object)) {
        const test = this.#test(field, 'f');
        if (test === undefined) continue;
        const read = propertyKey(key) === key ? `v.${key}` : `v[${quote(key)}]`;
        body.push(`  f = ${read};`);
        // `f != null`: absent or null, which an optional field may be.
        if (required.has(key)) body.push(...this.#check(field, 'f', 0, '  '));
        else if (test !== null) body.push(`  if (f != null && ${not(test)}) return false;`);
        else body.push('  if (f != null) {', ...this.#check(field, 'f', 0, '    '), '  }');
      }
      body.push('  return true;');
    } else if (typeof node === 'object' && 'union' in node) {
      const alternatives = node.union.map((alt, i) => {
        const test = this.#test(alt, 'v');
        if (test === undefined) throw new GeneratorError(`${name}: a union alternative that accepts anything`);
        if (test !== null) return test;
        this.#emit(`${fn}$${i}`, name, false, [...this.#check(alt, 'v', 0, '  '), '  return true;']);
        return `${fn}$${i}(v, s)`;
      });
      body.push(`  return ${alternatives.join(' || ')};`);
    } else {
      body.push(...this.#check(node, 'v', 0, '  '), '  return true;');
    }
    this.#emit(fn, name, exported, body);
  }

  #emit(fn: string, name: string, exported: boolean, body: string[]): void {
    this.#functions.push(`// ${name}`, `${exported ? 'export ' : ''}const ${fn} = validator((v, s) => {`, ...body, '});', '');
  }

  source(header: string, kinds: readonly string[]): string {
    const byModule = new Map<string, string[]>();
    for (const [name, from] of this.imports) byModule.set(from, [...(byModule.get(from) ?? []), name]);
    const imports = [...byModule].sort(([a], [b]) => (a < b ? -1 : 1)).map(([from, names]) => `import { ${names.sort().join(', ')} } from ${from};`);
    return [
      header,
      ...imports,
      '',
      ...[...this.#enums].map(([literal, id]) => `const ${id} = ${literal};`),
      ...(this.#enums.size > 0 ? [''] : []),
      ...this.#functions,
      '/** The validators of the kinds in this package, by definition name. */',
      'export const VALIDATORS = {',
      ...kinds.map((n) => `  ${quote(n)}: ${validatorName(n)},`),
      '};',
      '',
    ].join('\n');
  }
}

/** The definitions `node` refers to: all it reaches with `deep`, else only its own references. */
function refsOf(definitions: Readonly<Record<string, IrNode>>, node: IrNode, deep: boolean, out = new Set<string>()): Set<string> {
  if (typeof node === 'string') return out;
  if ('ref' in node) {
    if (out.has(node.ref)) return out;
    out.add(node.ref);
    return deep ? refsOf(definitions, definitions[node.ref]!, deep, out) : out;
  }
  if ('array' in node) return refsOf(definitions, node.array, deep, out);
  if ('map' in node) return refsOf(definitions, node.map, deep, out);
  const children = 'union' in node ? node.union : 'object' in node ? Object.values(node.object) : [];
  for (const child of children) refsOf(definitions, child, deep, out);
  return out;
}

/**
 * One module per package (`<dir>/api.core.v1.ts`) with the validators of the
 * kinds' definitions and of every definition they reach, in the order of `names`.
 */
export function emitValidators(dir: string, header: string, definitions: Readonly<Record<string, IrNode>>, names: readonly string[], kinds: readonly string[]): Array<{ path: string; content: string }> {
  const reached = new Set<string>();
  for (const kind of kinds) refsOf(definitions, { ref: kind }, true, reached);
  // A definition that is a leaf (Quantity, Time) gets no function: it is checked in place.
  const functions = names.filter((n) => reached.has(n) && typeof definitions[n] !== 'string');
  // A function is exported when another package's module calls it.
  const exported = new Set<string>();
  for (const name of functions) {
    for (const ref of refsOf(definitions, definitions[name]!, false)) if (validatorModule(ref) !== validatorModule(name)) exported.add(ref);
  }
  const modules = new Map<string, ModuleEmitter>();
  for (const name of functions) {
    const module = validatorModule(name);
    let emitter = modules.get(module);
    if (emitter === undefined) modules.set(module, (emitter = new ModuleEmitter(module, definitions)));
    emitter.definition(name, exported.has(name));
  }
  return [...modules].map(([module, emitter]) => ({ path: `${dir}/${module}.ts`, content: emitter.source(header, kinds.filter((k) => validatorModule(k) === module)) }));
}
