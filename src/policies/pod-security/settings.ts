// pod-security's settings. The defaults are Kubernetes' "restricted" Pod
// Security Standard, minus what it leaves to other tools (AppArmor, SELinux,
// sysctls, volume types beyond hostPath), plus memory limits and image rules.
import { z } from 'zod';
import { capabilityName, exemptNamespaces, failurePolicy, port, registryPrefix, timeoutSeconds } from '../support/settings.ts';

export const podSecuritySettings = z.strictObject({
  /** `warn` admits everything and reports what `enforce` would deny (warnings, audit annotation): for rolling out. */
  mode: z.enum(['enforce', 'warn']).default('enforce'),
  exemptNamespaces,
  /** Capabilities a container may add. The restricted standard allows only NET_BIND_SERVICE. */
  allowedCapabilities: z.array(capabilityName).default(['NET_BIND_SERVICE']),
  /** Host ports a container may bind (none by default: a hostPort bypasses NetworkPolicy and pins pods to nodes). */
  allowedHostPorts: z.array(port).default([]),
  /**
   * Also deny when allowPrivilegeEscalation, seccompProfile or the non-root
   * guarantee are left unset, because the runtime's defaults for them are the
   * unsafe ones. pod-defaults fills them in (mutating webhooks run first).
   */
  requireExplicit: z.boolean().default(true),
  requireMemoryLimits: z.boolean().default(true),
  /** Deny `:latest` and untagged images unless pinned by digest. */
  denyMutableImages: z.boolean().default(true),
  /** Registry prefixes images must come from (`ghcr.io/org`, `registry.k8s.io`); empty allows any. */
  allowedRegistries: z.array(registryPrefix).default([]),
  failurePolicy: failurePolicy.default('Fail'),
  timeoutSeconds: timeoutSeconds.default(5),
});

export type PodSecuritySettings = z.output<typeof podSecuritySettings>;
