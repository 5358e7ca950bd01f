// What the schema registry needs only once it knows CRDs: their compiler and the
// rule runtime behind it (CEL, list types, defaults). One module, so registry.ts
// loads it in one step on the first withCrds().
export { compileCrds } from './crd-compile.ts';
export { checkRuleLayer } from './crd-rule-layer.ts';
export { DEFAULT_RULE_BUDGET } from './crd-rules-run.ts';
