// A cost bound a rule cannot escape, like the apiserver's: cost is counted while
// the rule runs and the rule is stopped once it passes its limit. The evaluator
// has no hook for that, so kadmit compiles a metered copy of each rule: the
// range of every comprehension (all, exists, exists_one, map, filter) is
// wrapped in __kadmit_range(range, n), which charges n units (the body's nodes)
// per element when the loop starts; the list an `in` searches and the receiver
// of the string and list functions whose work grows with their input are
// wrapped in __kadmit_size(x), which charges x's size. Nested loops multiply
// as they do in cel-go, so a cubic rule over a long list is stopped within its
// first million units, not after a billion iterations. Charging a loop when it
// starts (not per iteration run) is what makes the stop quick: all/exists
// absorb errors and go on, but once the budget is spent every loop they start
// fails before doing any work. Units approximate cel-go's (one per node
// evaluated, string work at a tenth of a unit per character); a loop that
// exits early is charged for every element. Functions whose result can be far
// larger than their input are charged for the result too: replace and join
// before they run (the result's size is cheap to compute, so a runaway call is
// refused before it allocates), split and format after.
import type { ASTNode, Environment } from '@marcbachmann/cel-js';
import { celError } from './errors.ts';
import { matchesRe2 } from './lib-regex.ts';
import { replace, replacementCount } from './lib-strings.ts';

export class CostLimitExceeded extends Error {
  constructor() {
    super('operation cancelled: actual cost limit exceeded');
    this.name = 'CostLimitExceeded';
  }
}

// One evaluation at a time per thread (evaluation is synchronous), so the
// meter is a module-level counter that evaluate() resets around each call.
const meter = { remaining: 0 };

function charge(units: number): void {
  meter.remaining -= units;
  if (meter.remaining < 0) throw new CostLimitExceeded();
}

function elementCount(v: unknown): number {
  if (Array.isArray(v)) return v.length;
  if (v instanceof Map) return v.size;
  return typeof v === 'object' && v !== null ? Object.keys(v).length : 0;
}

function sizeCost(v: unknown): number {
  if (typeof v === 'string') return stringCost(v.length);
  if (Array.isArray(v)) return v.length;
  if (v instanceof Uint8Array) return stringCost(v.length);
  return 1;
}

function stringCost(length: number): number {
  return Math.ceil(length / 10);
}

function meteredReplace(s: string, from: string, to: string, limit = -1n): string {
  charge(stringCost(s.length + replacementCount(s, from, limit) * (to.length - from.length)));
  return replace(s, from, to, limit);
}

function meteredJoin(list: unknown[], separator = ''): string {
  let length = separator.length * Math.max(0, list.length - 1);
  for (const item of list) {
    if (typeof item !== 'string') throw celError(`join: list element is ${typeof item}, not a string`);
    length += item.length;
  }
  charge(stringCost(length));
  return list.join(separator);
}

/**
 * Runs `run` with `budget` units and says what it used. `exceeded` is true when
 * the budget ran out, even if a loop absorbed the error and `run` returned.
 */
export function metered<T>(budget: number, run: () => T): { value?: T; error?: unknown; cost: number; exceeded: boolean } {
  const saved = meter.remaining;
  meter.remaining = budget;
  try {
    const value = run();
    return { value, cost: budget - meter.remaining, exceeded: meter.remaining < 0 };
  } catch (error) {
    return { error, cost: budget - meter.remaining, exceeded: meter.remaining < 0 };
  } finally {
    meter.remaining = saved;
  }
}

/** The functions metered copies call; registered on a clone of the rule environment only. */
export function registerMeter(env: Environment): void {
  env
    .registerFunction('__kadmit_range(dyn, int): dyn', (range: unknown, units: bigint) => {
      charge(elementCount(range) * Number(units));
      return range;
    })
    .registerFunction('__kadmit_size(dyn): dyn', (value: unknown) => {
      charge(sizeCost(value));
      return value;
    })
    .registerFunction('string.__kadmit_matches(string): bool', matchesRe2)
    .registerFunction('string.__kadmit_replace(string, string): string', meteredReplace)
    .registerFunction('string.__kadmit_replace(string, string, int): string', meteredReplace)
    .registerFunction('list.__kadmit_join(): string', meteredJoin)
    .registerFunction('list.__kadmit_join(string): string', meteredJoin);
}

export const METER_PREFIX = '__kadmit_';

const COMPREHENSIONS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);
// Methods a metered copy calls under the meter's prefix: the RE2 matches, and
// replace and join, which charge their result's size before they run.
const ROUTED = new Set(['matches', 'replace', 'join']);
// Methods charged for their result after the call (the call wrapped in __kadmit_size).
const CHARGED_AFTER = new Set(['split', 'format']);
// Functions whose work is linear in their receiver.
const LINEAR = new Set([
  'contains', 'startsWith', 'endsWith', 'matches', 'find', 'findAll', 'split', 'replace', 'lowerAscii', 'upperAscii',
  'trim', 'indexOf', 'lastIndexOf', 'join', 'format', 'isSorted', 'sum', 'min', 'max', 'charAt', 'substring',
]);

interface Edit {
  at: number;
  text: string;
  kind: 'open' | 'close';
  /** Length of the wrapped node: orders edits that share an offset. */
  span: number;
}

/** Every AST node below `node`, itself included. */
export function nodesOf(node: ASTNode): ASTNode[] {
  const out: ASTNode[] = [];
  const stack: unknown[] = [node];
  while (stack.length > 0) {
    const n = stack.pop();
    if (Array.isArray(n)) {
      stack.push(...n);
      continue;
    }
    if (typeof n !== 'object' || n === null || !('op' in n)) continue;
    const ast = n as ASTNode;
    out.push(ast);
    if (Array.isArray(ast.args)) stack.push(...(ast.args as unknown[]));
    else if (typeof ast.args === 'object' && ast.args !== null) stack.push(ast.args);
  }
  return out;
}

function wrap(edits: Edit[], node: ASTNode, open: string, close: string): void {
  const span = node.end - node.start;
  edits.push({ at: node.start, text: open, kind: 'open', span }, { at: node.end, text: close, kind: 'close', span });
}

// The metered form of a method (matches: the RE2 one, lib-regex.ts), under the name a metered copy calls.
function routeMethod(edits: Edit[], source: string, name: string, receiver: ASTNode): void {
  const at = source.indexOf(name, receiver.end);
  if (at >= 0) edits.push({ at, text: METER_PREFIX, kind: 'open', span: 0 });
}

/** The metered copy of `source` (whose parse is `root`). */
export function meteredSource(source: string, root: ASTNode): string {
  const edits: Edit[] = [];
  for (const node of nodesOf(root)) {
    if (node.op === 'in') {
      wrap(edits, node.args[1], `${METER_PREFIX}size(`, ')');
    } else if (node.op === 'rcall') {
      const [name, receiver, args] = node.args;
      if (COMPREHENSIONS.has(name) && args.length >= 2 && args[0]!.op === 'id') {
        const units = args.slice(1).reduce((n, body) => n + nodesOf(body).length, 0);
        wrap(edits, receiver, `${METER_PREFIX}range(`, `, ${units})`);
      } else if (LINEAR.has(name)) {
        wrap(edits, receiver, `${METER_PREFIX}size(`, ')');
        if (ROUTED.has(name)) routeMethod(edits, source, name, receiver);
        if (CHARGED_AFTER.has(name)) wrap(edits, node, `${METER_PREFIX}size(`, ')');
      }
    }
  }
  // Applied from the end, so earlier offsets stay valid. Text inserted at an
  // offset lands before text inserted there earlier; the final order at one
  // offset is: closings (innermost first), then openings (outermost first).
  edits.sort((a, b) => {
    if (a.at !== b.at) return b.at - a.at;
    if (a.kind !== b.kind) return a.kind === 'open' ? -1 : 1;
    return a.kind === 'open' ? a.span - b.span : b.span - a.span;
  });
  let out = source;
  for (const e of edits) out = out.slice(0, e.at) + e.text + out.slice(e.at);
  return out;
}
