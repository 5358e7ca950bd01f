// The functions that define webhooks; their types are in src/model/webhook.ts.
// A webhook is a plain module export (so a worker thread can import the same
// module); it never sees HTTP.
import { OPERATIONS } from '../model/request.ts';
import type { KindKey } from '../schemas/types.ts';
import type { AnySpec, MutatingWebhook, MutatingWebhookSpec, ValidatingWebhook, ValidatingWebhookSpec, Webhook, WebhookResolved } from '../model/webhook.ts';
import { resolveGuards, rulesWithoutSkipped } from './guards.ts';
import { resolveKinds } from './kinds.ts';
import { invalid } from './invalid.ts';

export { SYSTEM_NAMESPACES } from './guards.ts';

// The apiserver requires a webhook name to be a DNS subdomain with at least three labels.
const WEBHOOK_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?){2,}$/;
const WEBHOOK_PATH = /^\/[A-Za-z0-9\-._~/]*[A-Za-z0-9\-._~]$/;

function resolveCommon(spec: AnySpec): WebhookResolved {
  const name = spec.name;
  if (typeof name !== 'string' || name.length > 253 || !WEBHOOK_NAME.test(name)) {
    invalid(String(name), 'name', 'must be a lowercase DNS name with at least three labels, e.g. "require-limits.kadmit.dev"');
  }
  if (typeof spec.path !== 'string' || !WEBHOOK_PATH.test(spec.path)) {
    invalid(name, 'path', `must start with "/" and not end with "/" (got ${JSON.stringify(spec.path)})`);
  }
  const { kinds, rules } = resolveKinds(name, spec);
  if (!Array.isArray(rules) || rules.length === 0) invalid(name, 'rules', 'must list at least one rule');
  rules.forEach((rule, i) => {
    for (const op of rule.operations) {
      if (op !== '*' && !OPERATIONS.includes(op)) invalid(name, `rules[${i}].operations`, `has unknown operation "${op}"`);
    }
    for (const field of ['apiGroups', 'apiVersions', 'resources'] as const) {
      if (!Array.isArray(rule[field]) || rule[field].length === 0) invalid(name, `rules[${i}].${field}`, 'must not be empty');
    }
  });
  const failurePolicy = spec.failurePolicy ?? 'Fail';
  if (failurePolicy !== 'Fail' && failurePolicy !== 'Ignore') invalid(name, 'failurePolicy', 'must be Fail or Ignore');
  const sideEffects = spec.sideEffects ?? 'None';
  if (sideEffects !== 'None' && sideEffects !== 'NoneOnDryRun') invalid(name, 'sideEffects', 'must be None or NoneOnDryRun');
  const timeoutSeconds = spec.timeoutSeconds ?? 10;
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 30) {
    invalid(name, 'timeoutSeconds', `must be a whole number from 1 to 30 (got ${timeoutSeconds})`);
  }
  const schemaValidation = spec.schemaValidation ?? (kinds === undefined ? 'when-available' : 'required');
  if (!['when-available', 'required', 'off'].includes(schemaValidation)) invalid(name, 'schemaValidation', 'must be when-available, required or off');
  if (kinds !== undefined && schemaValidation !== 'required') {
    invalid(name, 'schemaValidation', `must be "required" for a webhook with kinds (got "${schemaValidation}"): the handler's types hold only for objects checked against their schema`);
  }
  const skip = resolveGuards(name, spec.skip);
  if (rulesWithoutSkipped(rules, skip).length === 0) invalid(name, 'skip.operations', 'leaves out every operation the rules match: the webhook would never run');
  const conditionNames = new Set<string>();
  (spec.matchConditions ?? []).forEach((c, i) => {
    if (typeof c?.name !== 'string' || !/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(c.name) || c.name.length > 63) invalid(name, `matchConditions[${i}].name`, 'must be a qualified name part (<= 63 characters)');
    if (conditionNames.has(c.name)) invalid(name, `matchConditions[${i}].name`, `repeats "${c.name}"`);
    if (typeof c.expression !== 'string' || c.expression.trim() === '') invalid(name, `matchConditions[${i}].expression`, 'must be a CEL expression');
    conditionNames.add(c.name);
  });
  if ((spec.matchConditions?.length ?? 0) > 64) invalid(name, 'matchConditions', 'may hold at most 64 conditions');
  return {
    name, path: spec.path, rules, failurePolicy, sideEffects, timeoutSeconds, kubeApi: spec.kubeApi === true, schemaValidation,
    ...(kinds !== undefined && { kinds }),
    ...(skip !== undefined && { skip }),
    ...(spec.matchConditions !== undefined && { matchConditions: spec.matchConditions }),
    ...(spec.objectSelector !== undefined && { objectSelector: spec.objectSelector }),
  };
}

/**
 * A validating webhook. With `kinds`, `object` and `oldObject` are typed as those
 * kinds, inferred from the literal (no annotation needed).
 */
export function defineValidatingWebhook<const K extends readonly KindKey[] = []>(spec: ValidatingWebhookSpec<K>): ValidatingWebhook {
  const common = resolveCommon(spec as AnySpec);
  if (typeof spec.validate !== 'function') invalid(common.name, 'validate', 'must be a function');
  return Object.freeze({ type: 'validating', ...common, validate: spec.validate as ValidatingWebhook['validate'] });
}

/** A mutating webhook; with `kinds`, typed like defineValidatingWebhook, and mutate() takes only those kinds. */
export function defineMutatingWebhook<const K extends readonly KindKey[] = []>(spec: MutatingWebhookSpec<K>): MutatingWebhook {
  const common = resolveCommon(spec as AnySpec);
  if (typeof spec.mutate !== 'function') invalid(common.name, 'mutate', 'must be a function');
  const reinvocationPolicy = spec.reinvocationPolicy ?? 'Never';
  if (reinvocationPolicy !== 'Never' && reinvocationPolicy !== 'IfNeeded') {
    invalid(common.name, 'reinvocationPolicy', 'must be Never or IfNeeded');
  }
  return Object.freeze({ type: 'mutating', ...common, reinvocationPolicy, mutate: spec.mutate as MutatingWebhook['mutate'] });
}

export function isWebhook(value: unknown): value is Webhook {
  if (typeof value !== 'object' || value === null) return false;
  const w = value as Partial<Webhook>;
  return (w.type === 'validating' && typeof w.validate === 'function') || (w.type === 'mutating' && typeof w.mutate === 'function');
}
