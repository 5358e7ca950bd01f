// pod-security's settings. The defaults are Kubernetes' "restricted" Pod
// Security Standard (kubernetes.io/docs/concepts/security/pod-security-standards),
// plus memory limits and image rules.
import { z } from 'zod';
import { capabilityName, exemptNamespaces, failurePolicy, port, registryPrefix, timeoutSeconds } from '../support/settings.ts';

/** The sysctls the baseline standard allows: namespaced, and unable to affect other pods or the node. */
export const SAFE_SYSCTLS = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ping_group_range',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.tcp_wmem',
] as const;

/** The volume types the restricted standard allows. (hostPath is denied by its own rule whatever this says.) */
export const RESTRICTED_VOLUME_TYPES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'] as const;

const VOLUME_TYPE = /^[a-z][A-Za-z]*$/;

export const podSecuritySettings = z.strictObject({
  /** `warn` admits everything and reports what `enforce` would deny (warnings, audit annotation): for rolling out. */
  mode: z.enum(['enforce', 'warn']).default('enforce'),
  exemptNamespaces,
  /** Capabilities a container may add. The restricted standard allows only NET_BIND_SERVICE. */
  allowedCapabilities: z.array(capabilityName).default(['NET_BIND_SERVICE']),
  /** Host ports a container may bind (none by default: a hostPort bypasses NetworkPolicy and pins pods to nodes). */
  allowedHostPorts: z.array(port).default([]),
  /**
   * Also deny when allowPrivilegeEscalation, seccompProfile, the non-root
   * guarantee or `capabilities.drop: [ALL]` are left unset, because the
   * runtime's defaults for them are the unsafe ones. pod-defaults fills them in
   * (mutating webhooks run first).
   */
  requireExplicit: z.boolean().default(true),
  requireMemoryLimits: z.boolean().default(true),
  /** Deny `:latest` and untagged images unless pinned by digest. */
  denyMutableImages: z.boolean().default(true),
  /** Registry prefixes images must come from (`ghcr.io/org`, `registry.k8s.io`); empty allows any. */
  allowedRegistries: z.array(registryPrefix).default([]),
  /** Sysctls a pod may set. */
  allowedSysctls: z.array(z.string().regex(/^[a-z0-9_./-]+$/, 'expected a sysctl name such as net.ipv4.tcp_syncookies')).default([...SAFE_SYSCTLS]),
  /** Volume types (the key in a volume next to `name`) a pod may use. */
  allowedVolumeTypes: z.array(z.string().regex(VOLUME_TYPE, 'expected a volume type as written in a pod spec, e.g. emptyDir')).default([...RESTRICTED_VOLUME_TYPES]),
  failurePolicy: failurePolicy.default('Fail'),
  timeoutSeconds: timeoutSeconds.default(5),
});

export type PodSecuritySettings = z.output<typeof podSecuritySettings>;
