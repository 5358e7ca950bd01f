// What kadmit checks on a custom resource beyond its openAPIV3Schema shape:
// the schema's defaults are applied (to a copy), then list-type set/map
// uniqueness and the x-kubernetes-validations rules are checked, in the API
// server's order and wording. Built once per CRD version at load time.
import { withDefaults } from './crd-defaults.ts';
import { listTypeIssues } from './crd-lists.ts';
import { compileRuleTree, type RuleNode } from './crd-rules.ts';
import { runRules, type RuleBudget } from './crd-rules-run.ts';
import { needsRuleLayer, readStructural, type Invalid, type StructuralNode } from './crd-structural.ts';
import type { SchemaIssue } from './issues.ts';

export interface CrdRuleLayer {
  structural: StructuralNode;
  rules?: RuleNode;
}

/** The rule layer of one version's root schema, or undefined when it has nothing to check. */
export function compileRuleLayer(root: unknown, at: readonly PropertyKey[], invalid: Invalid): CrdRuleLayer | undefined {
  const structural = readStructural(root, at, invalid);
  // The root is a resource: rules there see apiVersion, kind and metadata.name/generateName.
  structural.embeddedResource = true;
  if (!needsRuleLayer(structural)) return undefined;
  const rules = compileRuleTree(structural, invalid);
  return rules === undefined ? { structural } : { structural, rules };
}

/** Issues of `object` (and, for transition rules, `oldObject` on UPDATE), at most `limit`. */
export function checkRuleLayer(layer: CrdRuleLayer, object: unknown, oldObject: unknown, budget: RuleBudget, limit: number): SchemaIssue[] {
  const value = withDefaults(object, layer.structural);
  const issues = listTypeIssues(value, layer.structural, limit);
  if (layer.rules === undefined || issues.length >= limit) return issues;
  const old = oldObject === undefined ? undefined : withDefaults(oldObject, layer.structural);
  issues.push(...runRules(layer.rules, value, old, budget, limit - issues.length));
  return issues;
}
