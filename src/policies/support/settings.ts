// zod pieces shared by the built-in policies' settings.
import { z } from 'zod';
import { normaliseRegistryPrefix } from './image-ref.ts';

export const namespaceName = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'expected a namespace name').max(63);

/** Exempt namespaces: kadmit's own namespace and kube-system are excluded by the namespaceSelector already. */
export const exemptNamespaces = z.array(namespaceName).default([]);

export const failurePolicy = z.enum(['Fail', 'Ignore']);
export const timeoutSeconds = z.number().int('expected a whole number').min(1).max(30);

/** `SYS_ADMIN` and `CAP_SYS_ADMIN` name the same capability to the runtime; compare without the prefix. */
export function capabilityKey(name: string): string {
  return name.toUpperCase().replace(/^CAP_/, '');
}
export const capabilityName = z.string().regex(/^(CAP_)?[A-Za-z_]+$/, 'expected a capability name such as NET_BIND_SERVICE').transform(capabilityKey);

export const port = z.number().int('expected a whole number').min(1).max(65535);

export const registryPrefix = z
  .string()
  .regex(/^[A-Za-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)*$/, 'expected a registry host with an optional path, e.g. ghcr.io/my-org (no scheme, tag or digest)')
  .transform(normaliseRegistryPrefix);
