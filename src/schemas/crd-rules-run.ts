// Running a CRD version's validation rules over one object, as the API server
// does: each rule at each value its schema node matches (never on null), with
// `self` the value and, on UPDATE, `oldSelf` the correlated old value (through
// object properties, map keys and list-type=map keys; items of other lists have
// none). A rule that reads oldSelf is skipped without one, unless it sets
// optionalOldSelf. Failures of rules that do not read oldSelf are ratcheted: an
// update may keep a value that was already invalid, as long as that value (or,
// below an uncorrelatable list, its nearest correlated parent) is unchanged.
import { Optional } from '@marcbachmann/cel-js';
import { toCelValue } from './crd-cel-value.ts';
import { canonicalJson } from './crd-lists.ts';
import type { CompiledRule, RuleNode } from './crd-rules.ts';
import type { StructuralNode } from './crd-structural.ts';
import type { SchemaIssue } from './issues.ts';
import { isObject } from '../json.ts';
import { formatJsonPath } from '../json-path.ts';

export interface RuleBudget {
  /** Most cost units one rule evaluation may use (the API server's per-call limit). */
  perCall: number;
  /** Most cost units all rules on one object may use. */
  perObject: number;
}

/** The API server's limits: 1,000,000 per rule evaluation, 10,000,000 per object. */
export const DEFAULT_RULE_BUDGET: Readonly<RuleBudget> = Object.freeze({ perCall: 1_000_000, perObject: 10_000_000 });

// Longest message a messageExpression may produce.
const MAX_MESSAGE_BYTES = 5 * 1024;

/** Lazily computed: is the nearest correlated value unchanged since the old object? */
type Ratchet = () => boolean;
const NEVER: Ratchet = () => false;

function unchanged(value: unknown, old: unknown): Ratchet {
  let memo: boolean | undefined;
  return () => (memo ??= canonicalJson(value) === canonicalJson(old));
}

class Run {
  readonly issues: SchemaIssue[] = [];
  remaining: number;
  stopped = false;
  readonly #budget: RuleBudget;
  readonly #limit: number;
  // One conversion per (schema node, value), however many rules read it.
  readonly #converted = new Map<StructuralNode, WeakMap<object, unknown>>();

  constructor(budget: RuleBudget, limit: number) {
    this.#budget = budget;
    this.remaining = budget.perObject;
    this.#limit = limit;
  }

  cel(value: unknown, schema: StructuralNode): unknown {
    if (typeof value !== 'object' || value === null) return toCelValue(value, schema);
    let byValue = this.#converted.get(schema);
    if (byValue === undefined) this.#converted.set(schema, (byValue = new WeakMap()));
    if (!byValue.has(value)) byValue.set(value, toCelValue(value, schema));
    return byValue.get(value);
  }

  add(issue: SchemaIssue): void {
    this.issues.push(issue);
    if (this.issues.length >= this.#limit) this.stopped = true;
  }

  /** Stops every further rule, with the API server's wording for what ran out. */
  stop(path: readonly PropertyKey[], type: string, detail: string): void {
    this.add(fieldError(path, type, 'FieldValueInvalid', detail));
    this.stopped = true;
  }

  get callBudget(): number {
    return Math.min(this.#budget.perCall, this.remaining);
  }

  get callLimitIsPerObject(): boolean {
    return this.remaining < this.#budget.perCall;
  }
}

const TYPE_LABEL: Record<CompiledRule['reason'], string> = {
  FieldValueInvalid: 'Invalid value',
  FieldValueForbidden: 'Forbidden',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
};

/** A field error as the API server words it: `Invalid value: "integer": <detail>`. */
function fieldError(path: readonly PropertyKey[], type: string, reason: CompiledRule['reason'], detail: string): SchemaIssue {
  const label = TYPE_LABEL[reason];
  const message =
    reason === 'FieldValueForbidden' || reason === 'FieldValueRequired'
      ? `${label}: ${detail}`
      : reason === 'FieldValueDuplicate'
        ? `${label}: ${JSON.stringify(type)}`
        : `${label}: ${JSON.stringify(type)}: ${detail}`;
  return { path: formatJsonPath(path), expected: detail, received: type, message };
}

function messageFor(run: Run, rule: CompiledRule, activation: Record<string, unknown>): string {
  if (rule.messageExpression === undefined) return rule.message;
  const r = rule.messageExpression.evaluate(activation, run.callBudget);
  run.remaining -= r.cost;
  // A failing messageExpression falls back to the static message, as the API server does.
  if (!r.ok) return rule.message;
  const text = (r.value as string).trim();
  if (text === '' || /[\r\n]/.test(text) || Buffer.byteLength(text) > MAX_MESSAGE_BYTES) return rule.message;
  return text;
}

function evaluateRules(run: Run, node: RuleNode, value: unknown, old: unknown, path: PropertyKey[], ratchet: Ratchet): void {
  const type = node.schema.type;
  for (const rule of node.rules) {
    if (run.stopped) return;
    if (run.remaining <= 0) return run.stop(path, type, 'validation failed due to running out of cost budget, no further validation rules will be run');
    const activation: Record<string, unknown> = { self: run.cel(value, node.schema) };
    if (rule.rule.usesOldSelf) {
      if (old === undefined && !rule.optionalOldSelf) continue;
      const oldSelf = old === undefined ? undefined : run.cel(old, node.schema);
      activation['oldSelf'] = rule.optionalOldSelf ? (oldSelf === undefined ? Optional.none() : Optional.of(oldSelf)) : oldSelf;
    }
    const perObject = run.callLimitIsPerObject;
    const r = rule.rule.evaluate(activation, run.callBudget);
    run.remaining -= r.cost;
    if (!r.ok) {
      if (r.costExceeded) {
        return run.stop(path, type, perObject
          ? 'validation failed due to running out of cost budget, no further validation rules will be run'
          : `'${r.message}': no further validation rules will be run due to call cost exceeds limit for rule: ${rule.ruleText}`);
      }
      run.add(fieldError(path, type, 'FieldValueInvalid', `${r.message} evaluating rule: ${rule.ruleText}`));
      continue;
    }
    if (r.value === true) continue;
    if (!rule.rule.usesOldSelf && ratchet()) continue;
    run.add(fieldError([...path, ...rule.fieldPath], type, rule.reason, messageFor(run, rule, activation)));
  }
}

function correlatable(schema: StructuralNode): boolean {
  return schema.mapType !== 'atomic';
}

function listMapKey(item: unknown, keys: readonly string[]): string {
  return canonicalJson(isObject(item) ? keys.map((k) => item[k] ?? null) : null);
}

function walk(run: Run, node: RuleNode, value: unknown, old: unknown, path: PropertyKey[], ratchet: Ratchet): void {
  if (value === null || value === undefined || run.stopped) return;
  evaluateRules(run, node, value, old, path, ratchet);
  if (Array.isArray(value)) {
    const items = node.items;
    if (items === undefined) return;
    const keys = node.schema.listType === 'map' ? node.schema.listMapKeys : undefined;
    const oldByKey = keys !== undefined && Array.isArray(old) ? new Map(old.map((o) => [listMapKey(o, keys), o])) : undefined;
    value.forEach((item, i) => {
      if (oldByKey === undefined) return walk(run, items, item, undefined, [...path, i], ratchet);
      const o = oldByKey.get(listMapKey(item, keys!));
      walk(run, items, item, o, [...path, i], o === undefined ? NEVER : unchanged(item, o));
    });
    return;
  }
  if (!isObject(value)) return;
  const oldObject = isObject(old) && correlatable(node.schema) ? old : undefined;
  const child = (key: string, sub: RuleNode) => {
    const o = oldObject?.[key];
    const r = oldObject === undefined ? ratchet : o === undefined ? NEVER : unchanged(value[key], o);
    walk(run, sub, value[key], o, [...path, key], r);
  };
  for (const [key, sub] of node.properties) if (value[key] !== undefined) child(key, sub);
  if (node.additionalProperties !== undefined) for (const key of Object.keys(value)) child(key, node.additionalProperties);
}

/**
 * Evaluates every rule in `tree` over `object` (defaults already applied), with
 * `oldObject` (defaulted too) on UPDATE. Returns at most `limit` issues.
 */
export function runRules(tree: RuleNode, object: unknown, oldObject: unknown, budget: RuleBudget, limit: number): SchemaIssue[] {
  const run = new Run(budget, limit);
  walk(run, tree, object, oldObject, [], oldObject === undefined ? NEVER : unchanged(object, oldObject));
  return run.issues;
}
