// The Kubernetes CEL environment for CRD validation rules: CEL's standard
// macros and functions, optional types, and the libraries Kubernetes adds
// (strings v2, sets, lists, regex, URLs, quantities, IP/CIDR, format), with
// `self` and `oldSelf` declared. Built once; compiling a rule never changes it.
import { Environment } from '@marcbachmann/cel-js';
import { registerFormat } from './lib-format.ts';
import { registerLists } from './lib-lists.ts';
import { registerNet } from './lib-net.ts';
import { registerQuantity } from './lib-quantity.ts';
import { registerRegex } from './lib-regex.ts';
import { registerStrings } from './lib-strings.ts';
import { registerUrls } from './lib-urls.ts';

/** Variables a rule can read. Values are dyn: kadmit checks types when the rule runs. */
export const RULE_VARIABLES = ['self', 'oldSelf'] as const;

// Structural limits on one expression, checked while parsing; CRD rules are
// short, and these stop a hostile CRD from building a huge tree.
const LIMITS = { maxAstNodes: 10_000, maxDepth: 100, maxListElements: 1_000, maxMapEntries: 1_000, maxCallArguments: 32 };

export function createKubernetesEnvironment(): Environment {
  const env = new Environment({ enableOptionalTypes: true, homogeneousAggregateLiterals: true, limits: LIMITS });
  for (const name of RULE_VARIABLES) env.registerVariable(name, 'dyn');
  registerStrings(env);
  registerLists(env);
  registerRegex(env);
  registerUrls(env);
  registerQuantity(env);
  registerNet(env);
  registerFormat(env);
  return env;
}
