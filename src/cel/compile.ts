// Compiling and running one CEL expression of a CRD (a rule or a
// messageExpression). Compilation parses and type-checks the expression in the
// Kubernetes environment once; a failure is a message in cel-go's shape
// (`ERROR: <input>:1:6: ...`) for the CRD load error. Running it is metered
// (cost.ts) and never throws: the result says what happened.
import type { ASTNode, Environment } from '@marcbachmann/cel-js';
import { CostLimitExceeded, METER_PREFIX, meteredSource, metered, nodesOf, registerMeter } from './cost.ts';
import { createKubernetesEnvironment, type OldSelfType } from './environment.ts';
import { compileRe2 } from './re2.ts';
import { celTypeName } from './values.ts';

export type Evaluation =
  | { ok: true; value: unknown; cost: number }
  | { ok: false; costExceeded: boolean; message: string; cost: number };

export interface CompiledExpression {
  readonly source: string;
  /** The parsed expression, for checks against the schema. */
  readonly ast: ASTNode;
  /** The expression reads oldSelf: a transition rule. */
  readonly usesOldSelf: boolean;
  /** Runs with `variables` and at most `budget` cost units. */
  evaluate(variables: Readonly<Record<string, unknown>>, budget: number): Evaluation;
}

export type Compiled = { ok: true; expression: CompiledExpression } | { ok: false; message: string };

interface Environments {
  rules: Environment;
  metered: Environment;
}
const environments = new Map<OldSelfType, Environments>();

function envs(oldSelf: OldSelfType): Environments {
  let found = environments.get(oldSelf);
  if (found === undefined) {
    const rules = createKubernetesEnvironment(oldSelf);
    const forMetering = rules.clone();
    registerMeter(forMetering);
    found = { rules, metered: forMetering };
    environments.set(oldSelf, found);
  }
  return found;
}

// Parts of the evaluator's dialect that Kubernetes' environment does not have:
// a rule using them would compile here and be refused by the API server.
const NOT_IN_KUBERNETES = new Set(['bind', 'hex', 'json', 'at', 'string']);
const REGEX_FUNCTIONS = new Set(['matches', 'find', 'findAll']);

export function position(source: string, offset: number): string {
  const before = source.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return `<input>:${line}:${column}`;
}

function compileError(source: string, err: unknown): string {
  const e = err as { message?: string; range?: { start: number }; node?: { start: number } };
  const first = (e.message ?? String(err)).split('\n')[0]!;
  const at = e.range?.start ?? e.node?.start;
  return at === undefined ? `ERROR: ${first}` : `ERROR: ${position(source, at)}: ${first}`;
}

// What the type checker cannot see: functions outside Kubernetes' environment,
// kadmit's own meter names, and regex literals RE2 (or JavaScript) refuses.
function dialectProblem(source: string, root: ASTNode): string | undefined {
  for (const node of nodesOf(root)) {
    const name = node.op === 'rcall' || node.op === 'call' ? node.args[0] : node.op === 'id' ? node.args : undefined;
    if (typeof name !== 'string') continue;
    if (name.startsWith(METER_PREFIX)) return `ERROR: ${position(source, node.start)}: undeclared reference to '${name}'`;
    if (node.op === 'rcall' && NOT_IN_KUBERNETES.has(name)) return `ERROR: ${position(source, node.start)}: found no matching overload for '${name}' (not in the Kubernetes CEL environment)`;
    if (REGEX_FUNCTIONS.has(name)) {
      // The pattern: the first argument of the method, the second of matches(s, re).
      const pattern = node.op === 'rcall' ? node.args[2][0] : node.op === 'call' ? node.args[1][1] : undefined;
      if (pattern?.op === 'value' && typeof pattern.args === 'string') {
        try {
          compileRe2(pattern.args);
        } catch (err) {
          return `ERROR: ${position(source, pattern.start)}: ${(err as Error).message}`;
        }
      }
    }
  }
  return undefined;
}

/**
 * Compiles `source`, which must evaluate to `resultType` (checked again at run
 * time for dyn results). With `optionalOldSelf`, oldSelf is an optional.
 */
export function compileExpression(source: string, resultType: 'bool' | 'string', optionalOldSelf = false): Compiled {
  const { rules, metered: meteredEnv } = envs(optionalOldSelf ? 'optional<dyn>' : 'dyn');
  let parsed: ReturnType<Environment['parse']>;
  try {
    parsed = rules.parse(source);
  } catch (err) {
    return { ok: false, message: compileError(source, err) };
  }
  const checked = parsed.check();
  if (!checked.valid) return { ok: false, message: compileError(source, checked.error) };
  if (checked.type !== resultType && checked.type !== 'dyn') {
    return { ok: false, message: resultType === 'bool' ? 'cel expression must evaluate to a bool' : 'messageExpression must evaluate to a string' };
  }
  const problem = dialectProblem(source, parsed.ast);
  if (problem !== undefined) return { ok: false, message: problem };
  const nodes = nodesOf(parsed.ast);
  const usesOldSelf = nodes.some((n) => n.op === 'id' && n.args === 'oldSelf');
  const run = meteredEnv.parse(meteredSource(source, parsed.ast));
  const expression: CompiledExpression = {
    source,
    ast: parsed.ast,
    usesOldSelf,
    evaluate(variables, budget) {
      // Every node is evaluated at most once outside loops: the base cost.
      const base = nodes.length;
      if (base > budget) return { ok: false, costExceeded: true, message: new CostLimitExceeded().message, cost: budget };
      const r = metered(budget - base, () => run(variables as Record<string, unknown>));
      const cost = r.cost + base;
      if (r.exceeded) return { ok: false, costExceeded: true, message: new CostLimitExceeded().message, cost: budget };
      if (r.error !== undefined) return { ok: false, costExceeded: false, message: runtimeMessage(r.error), cost };
      if (typeof r.value !== (resultType === 'bool' ? 'boolean' : 'string')) {
        return { ok: false, costExceeded: false, message: `no such overload: the expression must evaluate to a ${resultType}, got ${celTypeName(r.value)}`, cost };
      }
      return { ok: true, value: r.value, cost };
    },
  };
  return { ok: true, expression };
}

// cel-go's runtime errors read "no such key: x"; the evaluator's "No such key: x".
function runtimeMessage(err: unknown): string {
  const first = ((err as Error).message ?? String(err)).split('\n')[0]!;
  return /^[A-Z][a-z]/.test(first) ? first.charAt(0).toLowerCase() + first.slice(1) : first;
}
