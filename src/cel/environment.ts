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

/** How a rule sees oldSelf: the old value, or (optionalOldSelf: true) an optional of it. */
export type OldSelfType = 'dyn' | 'optional<dyn>';

// Structural limits on one expression, checked while parsing; CRD rules are
// short, and these stop a hostile CRD from building a huge tree.
const LIMITS = { maxAstNodes: 10_000, maxDepth: 100, maxListElements: 1_000, maxMapEntries: 1_000, maxCallArguments: 32 };

// Values are dyn to the type checker; field selections are checked against the
// schema when a CRD is loaded (src/schemas/crd-rule-fields.ts).
export function createKubernetesEnvironment(oldSelf: OldSelfType = 'dyn'): Environment {
  const env = new Environment({ enableOptionalTypes: true, homogeneousAggregateLiterals: true, limits: LIMITS });
  env.registerVariable('self', 'dyn').registerVariable('oldSelf', oldSelf);
  registerStrings(env);
  registerLists(env);
  registerRegex(env);
  registerUrls(env);
  registerQuantity(env);
  registerNet(env);
  registerFormat(env);
  return env;
}
