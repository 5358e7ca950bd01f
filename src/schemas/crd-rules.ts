// x-kubernetes-validations of one CRD version, compiled once at load time into
// a tree that mirrors the schema where rules are. A rule the API server would
// refuse (it does not compile, uses a function kadmit lacks, has a bad
// fieldPath, reason or message) fails the load, naming the rule's path in the
// CRD, the rule and the compiler's message.
import { compileExpression, type Compiled, type CompiledExpression } from '../cel/compile.ts';
import { schemaProblem } from './crd-rule-fields.ts';
import type { Invalid, RawRule, StructuralNode } from './crd-structural.ts';
import { hasRules } from './crd-structural.ts';

export type Reason = 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
const REASONS: readonly Reason[] = ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired'];

export interface CompiledRule {
  rule: CompiledExpression;
  messageExpression?: CompiledExpression;
  /** The message, or `failed rule: <rule>`. */
  message: string;
  /** What runtime errors name the rule by: its message, else the rule. */
  ruleText: string;
  reason: Reason;
  /** Where the error is reported, below the rule's own node. */
  fieldPath: readonly string[];
  optionalOldSelf: boolean;
}

export interface RuleNode {
  schema: StructuralNode;
  rules: readonly CompiledRule[];
  properties: ReadonlyMap<string, RuleNode>;
  items?: RuleNode;
  additionalProperties?: RuleNode;
}

// fieldPath: `.a.b`, `['a.b']`, `.map['key']`; a path to an existing field, no list indexes.
function parseFieldPath(text: string, node: StructuralNode): string[] | string {
  const out: string[] = [];
  let s: StructuralNode | undefined = node;
  const re = /\.([^.[\]]+)|\['((?:[^'\\]|\\.)*)'\]/y;
  let at = 0;
  while (at < text.length) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (m === null) return `expected [ or . but got: ${text.slice(at)}`;
    const key = m[1] ?? m[2]!.replace(/\\(.)/g, '$1');
    if (s?.properties !== undefined) s = s.properties.get(key);
    else if (s?.additionalProperties !== undefined) s = s.additionalProperties;
    else s = undefined;
    if (s === undefined) return 'does not refer to a valid field';
    out.push(key);
    at = re.lastIndex;
  }
  return out;
}

// Compiles one expression of a rule and checks it against the rule's schema node.
function compileAgainst(source: string, resultType: 'bool' | 'string', node: StructuralNode, optionalOldSelf: boolean): Compiled {
  const compiled = compileExpression(source, resultType, optionalOldSelf);
  if (!compiled.ok) return compiled;
  // At the root (and in embedded resources) apiVersion, kind and metadata are visible undeclared.
  const resourceRoot = node.embeddedResource || node.at.at(-1) === 'openAPIV3Schema';
  const problem = schemaProblem(source, compiled.expression.ast, node, resourceRoot);
  return problem === undefined ? compiled : { ok: false, message: problem };
}

function compileRule(raw: RawRule, node: StructuralNode, where: readonly PropertyKey[], invalid: Invalid): CompiledRule | undefined {
  const ruleText = raw.rule.trim();
  if (ruleText === '') return invalid([...where, 'rule'], 'Required value: rule is not specified');
  const message = raw.message?.trim();
  if (raw.message !== undefined && message === '') invalid([...where, 'message'], 'message must be non-empty if specified');
  if (message !== undefined && /[\r\n]/.test(message)) invalid([...where, 'message'], 'message must not contain line breaks');
  if (message === undefined && raw.messageExpression === undefined && /[\r\n]/.test(ruleText)) invalid([...where, 'message'], 'message must be specified if rule contains line breaks');
  const reason = raw.reason ?? 'FieldValueInvalid';
  if (!REASONS.includes(reason as Reason)) invalid([...where, 'reason'], `Unsupported value: ${JSON.stringify(reason)}: supported values: ${REASONS.map((r) => `"${r}"`).join(', ')}`);
  const fieldPath = raw.fieldPath === undefined ? [] : parseFieldPath(raw.fieldPath, node);
  if (typeof fieldPath === 'string') return invalid([...where, 'fieldPath'], `Invalid value: ${JSON.stringify(raw.fieldPath)}: fieldPath must be a valid path: ${fieldPath}`);
  const optionalOldSelf = raw.optionalOldSelf === true;
  const compiled = compileAgainst(raw.rule, 'bool', node, optionalOldSelf);
  if (!compiled.ok) return invalid([...where, 'rule'], `Invalid value: ${JSON.stringify(raw.rule)}: compilation failed: ${compiled.message}`);
  let messageExpression: CompiledExpression | undefined;
  if (raw.messageExpression !== undefined) {
    if (raw.messageExpression.trim() === '') invalid([...where, 'messageExpression'], 'Required value: messageExpression must be non-empty if specified');
    const m = compileAgainst(raw.messageExpression, 'string', node, optionalOldSelf);
    if (!m.ok) return invalid([...where, 'messageExpression'], `Invalid value: ${JSON.stringify(raw.messageExpression)}: messageExpression compilation failed: ${m.message}`);
    messageExpression = m.expression;
  }
  if (optionalOldSelf && !compiled.expression.usesOldSelf) invalid([...where, 'optionalOldSelf'], 'Forbidden: may only be set if the rule references oldSelf');
  return {
    rule: compiled.expression,
    ...(messageExpression !== undefined ? { messageExpression } : {}),
    message: message ?? `failed rule: ${ruleText}`,
    ruleText: message ?? ruleText,
    reason: reason as Reason,
    fieldPath,
    optionalOldSelf,
  };
}

/** The rule tree of a schema, or undefined when it declares no rules. */
export function compileRuleTree(node: StructuralNode, invalid: Invalid): RuleNode | undefined {
  if (!hasRules(node)) return undefined;
  const rules = node.rules.flatMap((raw, i) => compileRule(raw, node, [...node.at, 'x-kubernetes-validations', i], invalid) ?? []);
  const properties = new Map<string, RuleNode>();
  for (const [key, prop] of node.properties ?? []) {
    const child = compileRuleTree(prop, invalid);
    if (child !== undefined) properties.set(key, child);
  }
  const out: RuleNode = { schema: node, rules, properties };
  const items = node.items === undefined ? undefined : compileRuleTree(node.items, invalid);
  if (items !== undefined) out.items = items;
  const ap = node.additionalProperties === undefined ? undefined : compileRuleTree(node.additionalProperties, invalid);
  if (ap !== undefined) out.additionalProperties = ap;
  return out;
}
