// Built-in policy `builtin:pod-security` (validating): refuses Pods, and the pod
// templates of the workload kinds, that break the restricted Pod Security
// Standard, lack memory limits, or use mutable or unapproved images.
import { allow, defineValidatingWebhook, definePolicy, deny, type ValidationInput, type Verdict } from 'kadmit';
import { locatePodSpec, workloadRules } from './support/workloads.ts';
import { objectAt, sameJson } from './support/unstructured.ts';
import { checkPodSpec } from './pod-security/checks.ts';
import { denialMessage, MAX_WARNINGS, warningText } from './pod-security/violation.ts';
import { podSecuritySettings, type PodSecuritySettings } from './pod-security/settings.ts';

export function reviewPodSecurity({ request, object, oldObject }: ValidationInput, settings: PodSecuritySettings): Verdict {
  if (object === null) return allow();
  if (request.namespace !== undefined && settings.exemptNamespaces.includes(request.namespace)) return allow();
  const located = locatePodSpec(request.kind, object);
  if (!located) return allow();
  const violations = checkPodSpec(located.spec, located.path, settings);
  if (violations.length === 0) return allow();
  const rules = [...new Set(violations.map((v) => v.rule))].join(',');
  // An update that leaves the pod spec as it was is let through: refusing it
  // would block label or scale changes to workloads admitted before this policy.
  if (request.operation === 'UPDATE' && sameJson(located.spec, locatePodSpec(request.kind, oldObject)?.spec)) {
    return allow({
      warnings: [`pod-security: unchanged ${located.path} has ${violations.length} violation(s); not re-checked on update`],
      auditAnnotations: { 'grandfathered-violations': rules },
    });
  }
  const metadata = objectAt(object, 'metadata');
  const name = request.name ?? metadata?.name ?? metadata?.generateName;
  const subject = `${located.workload.kind}${typeof name === 'string' && name !== '' ? ` "${name}"` : ''}`;
  if (settings.mode === 'warn') {
    return allow({ warnings: violations.slice(0, MAX_WARNINGS).map((v) => warningText(v, located.path)), auditAnnotations: { 'would-deny': rules } });
  }
  return deny(denialMessage(subject, violations), { auditAnnotations: { violations: rules } });
}

export default definePolicy({
  settings: podSecuritySettings,
  webhooks: (settings) =>
    defineValidatingWebhook({
      name: 'pod-security.kadmit.dev',
      path: '/validate/pod-security',
      // pods/ephemeralcontainers: `kubectl debug` adds containers through this subresource.
      rules: workloadRules(['CREATE', 'UPDATE'], ['pods/ephemeralcontainers']),
      failurePolicy: settings.failurePolicy,
      sideEffects: 'None',
      // The handler only ever sees objects that fit their kind's schema.
      schemaValidation: 'required',
      timeoutSeconds: settings.timeoutSeconds,
      validate: (input) => reviewPodSecurity(input, settings),
    }),
});
