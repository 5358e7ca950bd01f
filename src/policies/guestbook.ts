// Built-in policy `builtin:guestbook` (validating): the worked example of a
// policy on a custom resource (examples/crds/guestbook.yaml). The CRD's schema
// checks shapes; this adds the rules a schema cannot say: port names are
// unique, the image is pinned, and replicas stay under a configured ceiling.
// An update is refused only for problems it introduces.
import { z } from 'zod';
import { allow, defineValidatingWebhook, definePolicy, deny, type ValidationInput, type Verdict } from 'kadmit';
import { exemptNamespaces, failurePolicy, timeoutSeconds } from './support/settings.ts';
import { isMutableRef, parseImageRef } from './support/image-ref.ts';
import { objectAt, objectsIn } from './support/unstructured.ts';

export const guestbookSettings = z.strictObject({
  exemptNamespaces,
  /** Highest spec.replicas allowed; the CRD itself allows up to 100. */
  maxReplicas: z.number().int('expected a whole number').min(0).max(100).default(10),
  denyMutableImages: z.boolean().default(true),
  failurePolicy: failurePolicy.default('Fail'),
  timeoutSeconds: timeoutSeconds.default(5),
});
export type GuestbookSettings = z.output<typeof guestbookSettings>;

export function guestbookProblems(spec: Record<string, unknown>, settings: GuestbookSettings): string[] {
  const problems: string[] = [];
  const replicas = spec.replicas;
  if (typeof replicas === 'number' && replicas > settings.maxReplicas) {
    problems.push(`spec.replicas: ${replicas} is above the limit of ${settings.maxReplicas}`);
  }
  const seen = new Map<string, number>();
  for (const { item, index } of objectsIn(spec.ports)) {
    if (typeof item.name !== 'string' || item.name === '') continue;
    const first = seen.get(item.name);
    if (first !== undefined) problems.push(`spec.ports[${index}].name: "${item.name}" is already used by spec.ports[${first}]`);
    else seen.set(item.name, index);
  }
  if (settings.denyMutableImages && typeof spec.image === 'string') {
    const ref = parseImageRef(spec.image);
    if ('error' in ref) problems.push(`spec.image: ${JSON.stringify(spec.image)} is not a valid image reference: it ${ref.error}`);
    else if (isMutableRef(ref)) problems.push(`spec.image: ${JSON.stringify(spec.image)} can change under the same name; use a version tag or pin a digest`);
  }
  return problems;
}

export function reviewGuestbook({ request, object, oldObject }: ValidationInput, settings: GuestbookSettings): Verdict {
  if (object === null) return allow();
  if (request.namespace !== undefined && settings.exemptNamespaces.includes(request.namespace)) return allow();
  const spec = objectAt(object, 'spec');
  if (!spec) return deny('spec: is required', { code: 422, reason: 'Invalid' });
  let problems = guestbookProblems(spec, settings);
  // Ratcheting, as Kubernetes does for CRD validation: an update may keep a
  // problem the object already had (say, after maxReplicas was lowered), not add one.
  const oldSpec = request.operation === 'UPDATE' ? objectAt(oldObject, 'spec') : undefined;
  if (oldSpec) {
    const existing = new Set(guestbookProblems(oldSpec, settings));
    problems = problems.filter((p) => !existing.has(p));
  }
  if (problems.length === 0) return allow();
  return deny(`Guestbook "${request.name ?? ''}" is not valid: ${problems.join('; ')}`, { code: 422, reason: 'Invalid' });
}

export default definePolicy({
  settings: guestbookSettings,
  webhooks: (settings) =>
    defineValidatingWebhook({
      name: 'guestbook.kadmit.dev',
      path: '/validate/guestbook',
      rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: ['webapp.example.com'], apiVersions: ['v1'], resources: ['guestbooks'], scope: 'Namespaced' }],
      failurePolicy: settings.failurePolicy,
      sideEffects: 'None',
      // The handler only ever sees objects that fit their schema (for a Guestbook, the CRD given in `crds`).
      schemaValidation: 'required',
      timeoutSeconds: settings.timeoutSeconds,
      validate: (input) => reviewGuestbook(input, settings),
    }),
});
