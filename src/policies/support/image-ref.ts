// Container image references as the container runtime reads them
// (github.com/distribution/reference): `[registry/]path[:tag][@digest]`, where
// the first path component is a registry only if it looks like a host, and
// bare Docker Hub names get `docker.io/library/`.

export interface ImageRef {
  /** Lowercase registry host (with port), `docker.io` for Docker Hub. */
  registry: string;
  /** `library/nginx`, `kadmit/kadmit` */
  repository: string;
  tag?: string;
  digest?: string;
}

const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;

/** Parses an image reference, or returns a reason it cannot be one. */
export function parseImageRef(image: string): ImageRef | { error: string } {
  if (image === '' || image.trim() !== image) return { error: 'is empty or has surrounding spaces' };
  if (image.length > 4096) return { error: 'is too long' };
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return { error: `has an invalid digest "${digest}"` };
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return { error: `has an invalid tag "${tag}"` };
  }
  let registry = 'docker.io';
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  // The same test the runtime applies: a host has a dot or port, is localhost, or has capitals.
  if (slash >= 0 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first)) {
    if (!HOST.test(first)) return { error: `has an invalid registry "${first}"` };
    registry = first.toLowerCase();
    rest = rest.slice(slash + 1);
  }
  if (registry === 'index.docker.io') registry = 'docker.io';
  if (!rest.split('/').every((c) => PATH_COMPONENT.test(c))) return { error: `has an invalid repository "${rest}"` };
  const repository = registry === 'docker.io' && !rest.includes('/') ? `library/${rest}` : rest;
  return { registry, repository, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}

/** No digest and no tag, or the `latest` tag: what runs can change without the object changing. */
export function isMutableRef(ref: ImageRef): boolean {
  return ref.digest === undefined && (ref.tag === undefined || ref.tag === 'latest');
}

/**
 * Normalises an allowlist entry (`ghcr.io/org`, `docker.io/library`, `registry.k8s.io`)
 * the same way references are, so `index.docker.io` and `Docker.io` match Docker Hub.
 */
export function normaliseRegistryPrefix(entry: string): string {
  const slash = entry.indexOf('/');
  const host = (slash >= 0 ? entry.slice(0, slash) : entry).toLowerCase();
  const path = slash >= 0 ? entry.slice(slash) : '';
  return `${host === 'index.docker.io' ? 'docker.io' : host}${path}`;
}

/** True when the reference is the prefix itself or lies below it on a `/` boundary (`ghcr.io` does not allow `ghcr.io.evil.com`). */
export function matchesRegistryPrefix(ref: ImageRef, prefix: string): boolean {
  const full = `${ref.registry}/${ref.repository}`;
  return full === prefix || full.startsWith(`${prefix}/`);
}
