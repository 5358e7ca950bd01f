// Guards: the checks nearly every webhook starts with (leave the system namespaces
// alone, let an object opt out by a label, ignore DELETE), as options instead of
// copied preambles. kadmit renders them into the webhook configuration, so the
// apiserver does not even call (namespaceSelector, objectSelector, rules), and
// checks them again before the handler runs, for replay, the test kit and a
// webhook registered by hand: a guarded review is allowed, the handler not called.
import { OPERATIONS, type AdmissionRequest, type Operation, type RawObject } from '../model/request.ts';
import type { Guards, SkipReason } from '../model/webhook.ts';
import { invalid } from './invalid.ts';
import { isLabelKey } from '../labels.ts';
import { isObject } from '../json.ts';

/** Namespaces of the cluster's own components. */
export const SYSTEM_NAMESPACES: readonly string[] = Object.freeze(['kube-system', 'kube-public', 'kube-node-lease']);

const MAX_NAMESPACES = 100;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Checks the guards where the webhook is defined; `undefined` when there are none. */
export function resolveGuards(webhook: string, skip: unknown): Readonly<Guards> | undefined {
  if (skip === undefined) return undefined;
  if (typeof skip !== 'object' || skip === null || Array.isArray(skip)) invalid(webhook, 'skip', 'must be an object with namespaces, optOutLabel and/or operations');
  const { namespaces, optOutLabel, operations, ...rest } = skip as Guards;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) invalid(webhook, 'skip', `has unknown field "${unknown[0]}" (known: namespaces, optOutLabel, operations)`);
  const out: Guards = {};
  if (namespaces !== undefined) {
    if (!Array.isArray(namespaces) || namespaces.length === 0 || namespaces.length > MAX_NAMESPACES) {
      invalid(webhook, 'skip.namespaces', `must list 1 to ${MAX_NAMESPACES} namespaces`);
    }
    namespaces.forEach((ns, i) => {
      if (typeof ns !== 'string' || ns.length > 63 || !DNS_LABEL.test(ns)) invalid(webhook, `skip.namespaces[${i}]`, `must be a namespace name (a DNS label), got ${JSON.stringify(ns)}`);
    });
    out.namespaces = Object.freeze([...new Set(namespaces)]);
  }
  if (optOutLabel !== undefined) {
    if (typeof optOutLabel !== 'string' || !isLabelKey(optOutLabel)) {
      invalid(webhook, 'skip.optOutLabel', `must be a label key like "example.com/skip" (got ${JSON.stringify(optOutLabel)})`);
    }
    out.optOutLabel = optOutLabel;
  }
  if (operations !== undefined) {
    if (!Array.isArray(operations) || operations.length === 0) invalid(webhook, 'skip.operations', 'must list at least one operation');
    for (const op of operations) if (!OPERATIONS.includes(op)) invalid(webhook, 'skip.operations', `has unknown operation ${JSON.stringify(op)}`);
    out.operations = Object.freeze([...new Set(operations)]);
  }
  return Object.freeze(out);
}

/** Why the guards skip this review, or undefined when the handler should see it. */
export function skipReason(guards: Readonly<Guards> | undefined, request: AdmissionRequest): SkipReason | undefined {
  if (guards === undefined) return undefined;
  if (guards.operations?.includes(request.operation)) return 'operation';
  if (guards.namespaces !== undefined) {
    const namespace = namespaceOf(request);
    if (namespace !== undefined && guards.namespaces.includes(namespace)) return 'namespace';
  }
  if (guards.optOutLabel !== undefined && !lacksLabel(request.object, guards.optOutLabel) && !lacksLabel(request.oldObject, guards.optOutLabel)) {
    return 'opt-out-label';
  }
  return undefined;
}

// The namespace whose labels a namespaceSelector is matched against: the request's,
// or for a Namespace itself its own name; none for other cluster-scoped objects.
function namespaceOf(request: AdmissionRequest): string | undefined {
  if (request.resource.group === '' && request.resource.resource === 'namespaces') {
    const name = request.name || request.namespace || metadataOf(request.object)?.['name'];
    return typeof name === 'string' && name !== '' ? name : undefined;
  }
  return request.namespace || undefined;
}

// Whether an objectSelector `key DoesNotExist` matches this object. As in the
// apiserver, a missing object, or one that cannot carry labels (no metadata, like
// CONNECT's options objects), does not match.
function lacksLabel(object: RawObject | null, key: string): boolean {
  const metadata = metadataOf(object);
  if (metadata === undefined) return false;
  const labels = metadata['labels'];
  return !isObject(labels) || !Object.hasOwn(labels, key);
}

function metadataOf(object: RawObject | null): Record<string, unknown> | undefined {
  const metadata = object?.['metadata'];
  return isObject(metadata) ? metadata : undefined;
}

/** The rules with the skipped operations left out (`*` spelled out); rules left with no operation are dropped. */
export function rulesWithoutSkipped<R extends { operations: readonly (Operation | '*')[] }>(rules: readonly R[], guards: Readonly<Guards> | undefined): R[] {
  const skipped = guards?.operations;
  if (skipped === undefined) return [...rules];
  const out: R[] = [];
  for (const rule of rules) {
    const all = rule.operations.includes('*') ? OPERATIONS : (rule.operations as readonly Operation[]);
    const kept = all.filter((op) => !skipped.includes(op));
    if (kept.length === all.length) out.push(rule);
    else if (kept.length > 0) out.push({ ...rule, operations: kept });
  }
  return out;
}
