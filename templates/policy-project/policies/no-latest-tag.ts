// Validating webhook: every container must name its image by a tag other than
// `latest` (or by digest), so what runs is what was reviewed and rollbacks work.
import { allow, defineValidatingWebhook, deny, SYSTEM_NAMESPACES } from 'kadmit';

export default defineValidatingWebhook({
  name: 'no-latest-tag.policies.example.com', // DNS name with 3+ labels; users see it in denials
  path: '/validate/no-latest-tag',
  kinds: ['v1/Pod'], // `object` is typed as a Pod; rules are derived (CREATE and UPDATE of pods)
  skip: { namespaces: SYSTEM_NAMESPACES }, // not even sent for these namespaces
  failurePolicy: 'Fail',
  timeoutSeconds: 5,
  validate({ object }) {
    const bad: string[] = [];
    for (const field of ['initContainers', 'containers'] as const) {
      object?.spec?.[field]?.forEach((container, i) => {
        if (!pinned(container.image ?? '')) bad.push(`spec.${field}[${i}] (${container.name}): ${container.image ?? '(no image)'}`);
      });
    }
    if (bad.length === 0) return allow();
    return deny(`images must be pinned to a tag other than latest or to a digest: ${bad.join(', ')}`);
  },
});

/** `repo@sha256:...` or `repo:tag` with a tag other than `latest`. */
export function pinned(image: string): boolean {
  if (image.includes('@')) return true;
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  return colon !== -1 && lastSegment.slice(colon + 1) !== 'latest';
}
