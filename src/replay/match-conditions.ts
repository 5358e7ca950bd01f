// A webhook's matchConditions evaluated as the apiserver does before it calls:
// CEL with `object`, `oldObject` and `request` (the AdmissionRequest without its
// objects), in Kubernetes' CEL environment (src/cel), metered like CRD rules.
// `authorizer` asks the cluster's authorizer, which replay does not have: a
// condition that uses it cannot be evaluated offline and is reported as such.
// A thin layer over src/cel, whose compiler declares only the CRD variables.
import type { Environment } from '@marcbachmann/cel-js';
import { createKubernetesEnvironment } from '../cel/environment.ts';
import { metered, meteredSource, nodesOf, registerMeter } from '../cel/cost.ts';
import { celTypeName } from '../cel/values.ts';
import { toCelValue } from '../schemas/crd-cel-value.ts';
import type { StructuralNode } from '../schemas/crd-structural.ts';
import type { FailurePolicy, MatchCondition } from '../model/webhook.ts';

const VARIABLES = ['object', 'oldObject', 'request', 'authorizer'] as const;
// The apiserver's cost limit for one CEL expression.
const PER_EXPRESSION_COST = 1_000_000;
// A schema-less node: any JSON as CEL values (whole numbers as ints, as Go decodes them).
const UNTYPED: StructuralNode = { type: '', nullable: true, intOrString: false, preserveUnknownFields: true, embeddedResource: false, rules: [], at: [] };

let environments: { check: Environment; run: Environment } | undefined;

function envs(): { check: Environment; run: Environment } {
  if (environments === undefined) {
    const check = createKubernetesEnvironment();
    for (const name of VARIABLES) check.registerVariable(name, 'dyn');
    const run = check.clone();
    registerMeter(run);
    environments = { check, run };
  }
  return environments;
}

export interface CompiledCondition {
  readonly name: string;
  /** Reads `authorizer`: cannot be evaluated offline. */
  readonly usesAuthorizer: boolean;
  /** true/false, or an error message. */
  evaluate(variables: Readonly<Record<string, unknown>>): boolean | { error: string };
}

function firstLine(err: unknown): string {
  return ((err as Error)?.message ?? String(err)).split('\n')[0]!;
}

/** Compiles one condition; a string is why it does not compile (the apiserver would refuse the configuration). */
export function compileCondition(condition: MatchCondition): CompiledCondition | string {
  const { check, run } = envs();
  let parsed: ReturnType<Environment['parse']>;
  try {
    parsed = check.parse(condition.expression);
  } catch (err) {
    return firstLine(err);
  }
  const nodes = nodesOf(parsed.ast);
  const usesAuthorizer = nodes.some((n) => n.op === 'id' && n.args === 'authorizer');
  const name = condition.name;
  // The authorizer's functions are not declared here: such a condition is never run.
  if (usesAuthorizer) return { name, usesAuthorizer, evaluate: () => ({ error: 'authorizer is not available offline' }) };
  const checked = parsed.check();
  if (!checked.valid) return firstLine(checked.error);
  if (checked.type !== 'bool' && checked.type !== 'dyn') return `must evaluate to a bool (it is a ${checked.type})`;
  const program = run.parse(meteredSource(condition.expression, parsed.ast));
  return {
    name,
    usesAuthorizer,
    evaluate(variables) {
      // Every node outside loops is evaluated at most once: charged up front.
      const r = metered(PER_EXPRESSION_COST - nodes.length, () => program(variables as Record<string, unknown>));
      if (r.exceeded) return { error: 'operation cancelled: actual cost limit exceeded' };
      if (r.error !== undefined) return { error: firstLine(r.error) };
      return typeof r.value === 'boolean' ? r.value : { error: `must evaluate to a bool, got ${celTypeName(r.value)}` };
    },
  };
}

/** The variables a condition sees, from the request as sent. */
export function conditionVariables(request: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { object, oldObject, ...rest } = request;
  return { object: toCelValue(object, UNTYPED), oldObject: toCelValue(oldObject, UNTYPED), request: toCelValue(rest, UNTYPED) };
}

export type ConditionsOutcome =
  | { matches: true; unevaluated: string[] }
  | { matches: false; reason: string }
  /** An error and no false: with failurePolicy Fail the apiserver rejects the request. */
  | { rejects: string };

/**
 * As the apiserver decides: any condition false skips the webhook; otherwise an
 * error skips it under failurePolicy Ignore and rejects the request under Fail.
 * Conditions that need the authorizer are left out and named.
 */
export function evaluateConditions(conditions: readonly CompiledCondition[], variables: Readonly<Record<string, unknown>>, failurePolicy: FailurePolicy): ConditionsOutcome {
  const errors: string[] = [];
  const unevaluated: string[] = [];
  for (const condition of conditions) {
    if (condition.usesAuthorizer) {
      unevaluated.push(condition.name);
      continue;
    }
    const value = condition.evaluate(variables);
    if (value === false) return { matches: false, reason: `matchConditions: "${condition.name}" is false` };
    if (value !== true) errors.push(`"${condition.name}": ${value.error}`);
  }
  if (errors.length === 0) return { matches: true, unevaluated };
  const unless = unevaluated.length === 0 ? '' : ` (unless ${unevaluated.map((n) => `"${n}"`).join(', ')}, which needs the authorizer, is false)`;
  const failed = `matchConditions ${errors.join('; ')}${unless}`;
  if (failurePolicy === 'Ignore') return { matches: false, reason: `${failed} (failurePolicy Ignore: the apiserver skips the webhook)` };
  return { rejects: `${failed}: with failurePolicy Fail the apiserver rejects the request (403) without calling the webhook` };
}
