// Checks a rule against the schema it sits on, as the API server's compiler
// does with the types it derives from the schema (kadmit's CEL environment sees
// self as dyn). Followed from self, oldSelf, oldSelf.value() and the variables
// of comprehensions over lists: a field the schema does not declare, on an
// object that neither preserves unknown fields nor allows additionalProperties,
// is "undefined field"; a field of a scalar or a list, and arithmetic or
// comparison between two values whose types are known and cannot meet, are
// "found no matching overload". Anything else (dyn) is left to run time.
import type { ASTNode } from '@marcbachmann/cel-js';
import { position } from '../cel/compile.ts';
import { escapePropertyName } from './crd-cel-value.ts';
import type { StructuralNode } from './crd-structural.ts';

interface Shape {
  node: StructuralNode;
  /** The root or an embedded resource: apiVersion, kind and metadata are visible without a declaration. */
  resourceRoot: boolean;
}

type Scope = ReadonlyMap<string, Shape | undefined>;

class FieldProblem extends Error {}

const RESOURCE_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);
const COMPREHENSIONS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);
const ARITHMETIC = new Set(['+', '-', '*', '/', '%']);
const COMPARISONS = new Set(['==', '!=', '<', '<=', '>', '>=']);
const NUMERIC = new Set(['int', 'uint', 'double']);
const TIME = new Set(['google.protobuf.Timestamp', 'google.protobuf.Duration']);

function shapeOf(node: StructuralNode, resourceRoot = node.embeddedResource): Shape {
  return { node, resourceRoot };
}

/** The CEL type the API server gives values of `node`, or undefined for dyn. */
function celType(node: StructuralNode): string | undefined {
  if (node.intOrString) return undefined;
  switch (node.type) {
    case 'string':
      if (node.format === 'date-time' || node.format === 'date') return 'google.protobuf.Timestamp';
      if (node.format === 'duration') return 'google.protobuf.Duration';
      return node.format === 'byte' ? 'bytes' : 'string';
    case 'integer':
      return 'int';
    case 'number':
      return 'double';
    case 'boolean':
      return 'bool';
    case 'array':
      return 'list';
    case 'object':
      return node.properties === undefined ? 'map' : 'object';
    default:
      return undefined;
  }
}

function literalType(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'bigint':
      return 'int';
    case 'number':
      return 'double';
    case 'boolean':
      return 'bool';
    default:
      return value instanceof Uint8Array ? 'bytes' : undefined;
  }
}

/** `at`: the offset reported, cel-go's (the dot of a selection, the start of an operation). */
function fail(source: string, at: number, message: string): never {
  throw new FieldProblem(`ERROR: ${position(source, at)}: ${message}`);
}

// The offset of the dot of `.field` / `.?field`, or the node's start for an index.
function selectionAt(ast: ASTNode): number {
  return ast.op === '.' || ast.op === '.?' ? ast.end - ast.args[1].length - (ast.op === '.?' ? 2 : 1) : ast.start;
}

function member(source: string, parent: Shape, field: string, at: number): Shape | undefined {
  const n = parent.node;
  if (parent.resourceRoot && RESOURCE_FIELDS.has(field) && !n.properties?.has(field)) return undefined;
  if (n.properties !== undefined) {
    for (const [key, prop] of n.properties) if (escapePropertyName(key) === field) return shapeOf(prop);
    if (n.preserveUnknownFields) return undefined;
    const declared = [...n.properties.keys()].map((k) => escapePropertyName(k) ?? k).join(', ');
    return fail(source, at, `undefined field '${field}' (the schema at ${n.at.join('.')} declares ${declared || 'no properties'})`);
  }
  if (n.additionalProperties !== undefined) return shapeOf(n.additionalProperties);
  const type = celType(n);
  if (type === undefined || type === 'map' || type === 'object') return undefined;
  return fail(source, at, `type '${type}' does not support field selection`);
}

/** What `ast` refers to in the schema, when it is a selection chain from a known variable. */
function resolve(source: string, ast: ASTNode, scope: Scope): Shape | undefined {
  switch (ast.op) {
    case 'id':
      return scope.get(ast.args);
    case 'rcall': {
      const [name, receiver, args] = ast.args;
      return name === 'value' && args.length === 0 && receiver.op === 'id' && receiver.args === 'oldSelf' ? scope.get('oldSelf') : undefined;
    }
    case '.':
    case '.?': {
      const parent = resolve(source, ast.args[0], scope);
      const found = parent === undefined ? undefined : member(source, parent, ast.args[1], selectionAt(ast));
      // An optional selection is an optional of the field: not the field's type.
      return ast.op === '.' ? found : undefined;
    }
    case '[]': {
      const parent = resolve(source, ast.args[0], scope);
      if (parent === undefined) return undefined;
      const { node } = parent;
      if (node.items !== undefined) return shapeOf(node.items);
      if (node.additionalProperties !== undefined) return shapeOf(node.additionalProperties);
      const key = ast.args[1];
      return key.op === 'value' && typeof key.args === 'string' && node.properties !== undefined ? member(source, parent, key.args, selectionAt(ast)) : undefined;
    }
    default:
      return undefined;
  }
}

function typeOf(source: string, ast: ASTNode, scope: Scope): string | undefined {
  if (ast.op === 'value') return literalType(ast.args);
  const shape = resolve(source, ast, scope);
  return shape === undefined ? undefined : celType(shape.node);
}

function operandsMeet(op: string, left: string, right: string): boolean {
  if (left === right) return true;
  if (ARITHMETIC.has(op)) return TIME.has(left) && TIME.has(right);
  return NUMERIC.has(left) && NUMERIC.has(right);
}

function visit(source: string, ast: ASTNode, scope: Scope): void {
  resolve(source, ast, scope);
  if (ast.op === 'rcall') {
    const [name, receiver, args] = ast.args;
    visit(source, receiver, scope);
    const variable = args[0];
    if (COMPREHENSIONS.has(name) && args.length >= 2 && variable?.op === 'id') {
      const range = resolve(source, receiver, scope);
      const element = range?.node.items === undefined ? undefined : shapeOf(range.node.items);
      const inner = new Map(scope).set(variable.args, element);
      for (const body of args.slice(1)) visit(source, body, inner);
      return;
    }
    for (const arg of args) visit(source, arg, scope);
    return;
  }
  if ((ARITHMETIC.has(ast.op) || COMPARISONS.has(ast.op)) && Array.isArray(ast.args)) {
    const [l, r] = ast.args as [ASTNode, ASTNode];
    const left = typeOf(source, l, scope);
    const right = typeOf(source, r, scope);
    if (left !== undefined && right !== undefined && !operandsMeet(ast.op, left, right)) {
      fail(source, ast.start, `found no matching overload for '_${ast.op}_' applied to '(${left}, ${right})'`);
    }
  }
  const children: unknown[] = Array.isArray(ast.args) ? ast.args.flat() : [ast.args];
  for (const child of children) {
    if (typeof child === 'object' && child !== null && 'op' in child) visit(source, child as ASTNode, scope);
  }
}

/** The problem of `source` (parsed as `ast`) against the schema `node` its rule sits on, in cel-go's shape; undefined when none. */
export function schemaProblem(source: string, ast: ASTNode, node: StructuralNode, resourceRoot: boolean): string | undefined {
  const self = shapeOf(node, resourceRoot);
  try {
    visit(source, ast, new Map([['self', self], ['oldSelf', self]]));
    return undefined;
  } catch (err) {
    if (err instanceof FieldProblem) return err.message;
    throw err;
  }
}
