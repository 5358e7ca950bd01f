// Webhooks that name their kinds (`kinds: ['v1/Pod']`): the GVK keys are checked
// where the webhook is defined, rules are derived from them when none are given,
// and at run time a review of another kind never reaches the handler, whose
// types promise one of the named kinds.
import { OPERATIONS, type GroupVersionKind, type Operation } from '../model/request.ts';
import { KINDS } from '../schemas/generated/kinds.ts';
import { gvkKey } from '../schemas/gvk.ts';
import { resourceFor } from '../schemas/resources.ts';
import type { Rule } from '../model/webhook.ts';
import { invalid } from './invalid.ts';

/** What a webhook with kinds reviews when it names no `operations`. */
export const DEFAULT_KIND_OPERATIONS: readonly Operation[] = Object.freeze(['CREATE', 'UPDATE']);

const MAX_KINDS = 64;
const GROUP = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VERSION = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const KIND = /^[A-Za-z][A-Za-z0-9]*$/;

/** `apps/v1/Deployment` -> its GVK; `v1/Pod` is the core group. undefined when it is not a GVK key. */
export function parseKindKey(key: string): GroupVersionKind | undefined {
  const parts = key.split('/');
  const [group, version, kind] = parts.length === 2 ? ['', parts[0]!, parts[1]!] : parts.length === 3 ? [parts[0]!, parts[1]!, parts[2]!] : [];
  if (group === undefined || version === undefined || kind === undefined) return undefined;
  if ((parts.length === 3 && (group.length > 253 || !GROUP.test(group))) || version.length > 63 || !VERSION.test(version) || kind.length > 63 || !KIND.test(kind)) return undefined;
  return { group, version, kind };
}

export interface KindsSpec {
  kinds?: readonly string[];
  rules?: readonly Rule[];
  operations?: readonly Operation[];
}

export interface ResolvedKinds {
  /** GVK keys, each once; undefined for a webhook without kinds (its objects are raw). */
  kinds?: readonly string[];
  rules: readonly Rule[];
}

/** Checks `kinds`, and derives the rules from them when none are written. */
export function resolveKinds(webhook: string, spec: KindsSpec): ResolvedKinds {
  if (spec.kinds === undefined) {
    if (spec.operations !== undefined) invalid(webhook, 'operations', 'applies to derived rules only: name kinds, or put the operations in each rule');
    if (spec.rules === undefined) invalid(webhook, 'rules', 'must be given (or name the kinds and let kadmit derive them)');
    return { rules: spec.rules };
  }
  if (!Array.isArray(spec.kinds) || spec.kinds.length === 0 || spec.kinds.length > MAX_KINDS) invalid(webhook, 'kinds', `must list 1 to ${MAX_KINDS} kinds`);
  const gvks = new Map<string, GroupVersionKind>();
  spec.kinds.forEach((key, i) => {
    const gvk = typeof key === 'string' ? parseKindKey(key) : undefined;
    if (gvk === undefined) invalid(webhook, `kinds[${i}]`, `must be a kind key like "v1/Pod" or "apps/v1/Deployment" (got ${JSON.stringify(key)})`);
    if (gvks.has(key)) invalid(webhook, `kinds[${i}]`, `repeats "${key}"`);
    gvks.set(key, gvk);
  });
  const kinds = Object.freeze([...gvks.keys()]);
  if (spec.rules !== undefined) {
    if (spec.operations !== undefined) invalid(webhook, 'operations', 'applies to derived rules only: with rules written, put the operations in each rule');
    return { kinds, rules: spec.rules };
  }
  const operations = spec.operations ?? DEFAULT_KIND_OPERATIONS;
  if (!Array.isArray(operations) || operations.length === 0) invalid(webhook, 'operations', 'must list at least one operation');
  for (const op of operations) if (!OPERATIONS.includes(op)) invalid(webhook, 'operations', `has unknown operation ${JSON.stringify(op)}`);
  const rules = [...gvks].map(([key, gvk]) => derivedRule(webhook, key, gvk, [...new Set(operations)]));
  return { kinds, rules };
}

// Built-in kinds only: a custom resource's plural and scope are in its CRD, which
// kadmit does not have where the webhook is defined, and a wrong guess would mean
// a webhook the apiserver never calls.
function derivedRule(webhook: string, key: string, gvk: GroupVersionKind, operations: Operation[]): Rule {
  if (!Object.hasOwn(KINDS, key)) {
    invalid(webhook, 'rules', `must be given for "${key}": it is not a built-in kind, so kadmit cannot derive its resource and scope (write them as in its CRD)`);
  }
  const resource = resourceFor(gvk.kind);
  if (resource.namespaced === undefined || resource.subResource !== undefined) {
    invalid(webhook, 'rules', `must be given for "${key}": it is not served as a resource of its own`);
  }
  return { operations, apiGroups: [gvk.group], apiVersions: [gvk.version], resources: [resource.resource], scope: resource.namespaced ? 'Namespaced' : 'Cluster' };
}

/** Whether a review of this kind may reach the handler: any kind for a webhook without kinds. */
export function handlesKind(webhook: { kinds?: readonly string[] }, kind: GroupVersionKind): boolean {
  return webhook.kinds === undefined || webhook.kinds.includes(gvkKey(kind));
}
