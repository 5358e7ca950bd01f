// A webhook's rules matched against a request the way the apiserver matches
// them: operation, API group, version, resource with subresource (`*`, `*/*`,
// `pods/*`, `pods/status`) and scope. The request's resource is the one the
// webhook receives (with matchPolicy Equivalent, the version its rule names).
import type { AdmissionRequest } from '../model/request.ts';
import type { Rule } from '../model/webhook.ts';

const anyOf = (items: readonly string[], wanted: string) => items.includes('*') || items.includes(wanted);

function isNamespaceObject(request: AdmissionRequest): boolean {
  return request.resource.group === '' && request.resource.resource === 'namespaces';
}

// A Namespace is cluster-scoped, although its requests carry its name as namespace.
function isNamespaced(request: AdmissionRequest): boolean {
  return !isNamespaceObject(request) && (request.namespace ?? '') !== '';
}

function scopeMatches(rule: Rule, request: AdmissionRequest): boolean {
  if (rule.scope === undefined || rule.scope === '*') return true;
  return rule.scope === 'Namespaced' ? isNamespaced(request) : !isNamespaced(request);
}

// `pods` is the resource alone, `pods/*` the resource and all its subresources,
// `*` every resource without subresources, `*/*` everything.
function resourceMatches(rule: Rule, request: AdmissionRequest): boolean {
  const subResource = request.subResource ?? '';
  return rule.resources.some((entry) => {
    const slash = entry.indexOf('/');
    const resource = slash < 0 ? entry : entry.slice(0, slash);
    const sub = slash < 0 ? '' : entry.slice(slash + 1);
    return (resource === '*' || resource === request.resource.resource) && (sub === '*' || sub === subResource);
  });
}

export function ruleMatches(rule: Rule, request: AdmissionRequest): boolean {
  return (
    scopeMatches(rule, request) &&
    anyOf(rule.operations, request.operation) &&
    anyOf(rule.apiGroups, request.resource.group) &&
    anyOf(rule.apiVersions, request.resource.version) &&
    resourceMatches(rule, request)
  );
}

const group = (g: string) => (g === '' ? 'core' : g);

/** `UPDATE core/v1 pods/status (namespaced)`: what the rules were matched against. */
export function describeRequest(request: AdmissionRequest): string {
  const { resource } = request;
  const sub = request.subResource ? `/${request.subResource}` : '';
  return `${request.operation} ${group(resource.group)}/${resource.version} ${resource.resource}${sub} (${isNamespaced(request) ? 'namespaced' : 'cluster-scoped'})`;
}

const MAX_RULES_SHOWN = 4;

/** `CREATE,UPDATE core/v1 pods,pods/ephemeralcontainers (Namespaced); ...`, at most a few. */
export function describeRules(rules: readonly Rule[]): string {
  const shown = rules.slice(0, MAX_RULES_SHOWN).map((r) => {
    const versions = r.apiVersions.join(',');
    const groups = r.apiGroups.map(group).join(',');
    return `${r.operations.join(',')} ${groups}/${versions} ${r.resources.join(',')}${r.scope && r.scope !== '*' ? ` (${r.scope})` : ''}`;
  });
  if (rules.length > MAX_RULES_SHOWN) shown.push(`and ${rules.length - MAX_RULES_SHOWN} more`);
  return shown.join('; ');
}
