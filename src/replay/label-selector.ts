// A metav1.LabelSelector matched against labels the way the apiserver matches a
// webhook's namespaceSelector and objectSelector: every requirement must hold;
// NotIn and DoesNotExist hold when the key is absent; an empty selector matches
// everything.
import type { LabelSelector } from '../model/webhook.ts';

export type Labels = Readonly<Record<string, string>>;

type Requirement = NonNullable<LabelSelector['matchExpressions']>[number];

function holds(requirement: Requirement, labels: Labels): boolean {
  const present = Object.hasOwn(labels, requirement.key);
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case 'In':
      return present && values.includes(labels[requirement.key]!);
    case 'NotIn':
      return !present || !values.includes(labels[requirement.key]!);
    case 'Exists':
      return present;
    case 'DoesNotExist':
      return !present;
    default:
      // An operator the apiserver does not know: it would refuse the configuration.
      return false;
  }
}

function describe(requirement: Requirement): string {
  const values = requirement.values ?? [];
  return `${requirement.key} ${requirement.operator}${values.length > 0 ? ` (${values.join(', ')})` : ''}`;
}

/** The first requirement the labels do not meet, as the selector writes it; undefined when all hold. */
export function unmetRequirement(selector: LabelSelector, labels: Labels): string | undefined {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return `${key}=${value}`;
  }
  for (const requirement of selector.matchExpressions ?? []) {
    if (!holds(requirement, labels)) return describe(requirement);
  }
  return undefined;
}

export function isEmptySelector(selector: LabelSelector): boolean {
  return Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}

/** `{a=b, c=d}`, or `no labels`. */
export function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  return entries.length === 0 ? 'no labels' : `{${entries.map(([k, v]) => `${k}=${v}`).join(', ')}}`;
}

/** An object's metadata.labels (string values only), or undefined when it has no metadata to carry labels. */
export function labelsOf(object: unknown): Labels | undefined {
  if (typeof object !== 'object' || object === null || Array.isArray(object)) return undefined;
  const metadata = (object as Record<string, unknown>).metadata;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) return undefined;
  const labels = (metadata as Record<string, unknown>).labels;
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) return {};
  return Object.fromEntries(Object.entries(labels).filter((e): e is [string, string] => typeof e[1] === 'string'));
}
