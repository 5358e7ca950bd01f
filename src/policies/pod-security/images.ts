// Image rules: a reference must parse, must not be mutable (`:latest` or no
// tag, unless pinned by digest), and must come from an allowed registry.
import type { ContainerRef } from '../support/containers.ts';
import { isMutableRef, matchesRegistryPrefix, parseImageRef } from '../support/image-ref.ts';
import type { PodSecuritySettings } from './settings.ts';
import type { Violation } from './violation.ts';

export function imageViolations(c: ContainerRef, settings: PodSecuritySettings): Violation[] {
  const path = `${c.path}.image`;
  const image = c.container.image;
  const at = (rule: string, message: string): Violation[] => [{ rule, path, container: c.name, message }];
  if (typeof image !== 'string' || image === '') return at('image', 'an image is required');
  const ref = parseImageRef(image);
  if ('error' in ref) return at('image', `${JSON.stringify(image)} is not a valid image reference: it ${ref.error}`);
  const out: Violation[] = [];
  if (settings.denyMutableImages && isMutableRef(ref)) {
    out.push(...at('mutable-image', `${JSON.stringify(image)} can change under the same name; use a version tag or pin a digest (@sha256:...)`));
  }
  if (settings.allowedRegistries.length > 0 && !settings.allowedRegistries.some((p) => matchesRegistryPrefix(ref, p))) {
    out.push(...at('registry', `${JSON.stringify(image)} (${ref.registry}/${ref.repository}) is not from an allowed registry (${settings.allowedRegistries.join(', ')})`));
  }
  return out;
}
