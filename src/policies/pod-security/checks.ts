// The pod-security rules, one small function each. Each reads the pod spec
// defensively (anything that is not the expected shape reads as unset) and
// returns the violations it finds; none of them throws on odd input.
import { containersOf, securityContextOf, type ContainerRef } from '../support/containers.ts';
import { isUnset, objectAt, objectsIn, type Obj } from '../support/unstructured.ts';
import { capabilityKey } from '../support/settings.ts';
import { imageViolations } from './images.ts';
import type { PodSecuritySettings } from './settings.ts';
import type { Violation } from './violation.ts';

export interface PodContext {
  spec: Obj;
  /** `spec`, `spec.template.spec`, ... */
  path: string;
  /** Pod-level securityContext, when it is an object. */
  podSc: Obj | undefined;
  containers: ContainerRef[];
  /** Linux-only fields (seccomp, capabilities, privilege escalation) are not required of Windows pods. */
  linux: boolean;
  settings: PodSecuritySettings;
}

export function podContext(spec: Obj, path: string, settings: PodSecuritySettings): PodContext {
  return {
    spec,
    path,
    podSc: objectAt(spec, 'securityContext'),
    containers: containersOf(spec, path),
    linux: objectAt(spec, 'os')?.name !== 'windows',
    settings,
  };
}

const HOST_NAMESPACES = [
  ['hostNetwork', "the host's network namespace"],
  ['hostPID', "the host's process namespace"],
  ['hostIPC', "the host's IPC namespace"],
] as const;

function hostNamespaces(pod: PodContext): Violation[] {
  return HOST_NAMESPACES.filter(([field]) => pod.spec[field] === true).map(([field, what]) => ({
    rule: 'host-namespaces',
    path: `${pod.path}.${field}`,
    message: `sharing ${what} is not allowed`,
  }));
}

function hostPathVolumes(pod: PodContext): Violation[] {
  return objectsIn(pod.spec.volumes)
    .filter(({ item }) => !isUnset(item.hostPath))
    .map(({ item, index }) => ({
      rule: 'host-path',
      path: `${pod.path}.volumes[${index}].hostPath`,
      message: `hostPath volumes are not allowed (volume ${JSON.stringify(item.name ?? `#${index}`)})`,
    }));
}

function hostProcess(pod: PodContext): Violation[] {
  const out: Violation[] = [];
  if (objectAt(pod.podSc, 'windowsOptions')?.hostProcess === true) {
    out.push({ rule: 'host-process', path: `${pod.path}.securityContext.windowsOptions.hostProcess`, message: 'Windows HostProcess pods are not allowed' });
  }
  for (const c of pod.containers) {
    if (objectAt(c.container, 'securityContext', 'windowsOptions')?.hostProcess === true) {
      out.push({ rule: 'host-process', path: `${c.path}.securityContext.windowsOptions.hostProcess`, container: c.name, message: 'Windows HostProcess containers are not allowed' });
    }
  }
  return out;
}

function privileged(pod: PodContext): Violation[] {
  return pod.containers
    .filter((c) => securityContextOf(c.container)?.privileged === true)
    .map((c) => ({ rule: 'privileged', path: `${c.path}.securityContext.privileged`, container: c.name, message: 'privileged containers are not allowed' }));
}

function capabilities(pod: PodContext): Violation[] {
  const allowed = new Set(pod.settings.allowedCapabilities);
  const allowedText = allowed.size === 0 ? 'none may be added' : `allowed: ${[...allowed].join(', ')}`;
  const out: Violation[] = [];
  for (const c of pod.containers) {
    const add = objectAt(c.container, 'securityContext', 'capabilities')?.add;
    if (!Array.isArray(add)) continue;
    add.forEach((cap, i) => {
      if (typeof cap === 'string' && allowed.has(capabilityKey(cap))) return;
      out.push({
        rule: 'capabilities',
        path: `${c.path}.securityContext.capabilities.add[${i}]`,
        container: c.name,
        message: `adding capability ${JSON.stringify(cap)} is not allowed (${allowedText})`,
      });
    });
  }
  return out;
}

function dropAll(pod: PodContext): Violation[] {
  if (!pod.settings.requireExplicit || !pod.linux) return [];
  return pod.containers
    .filter((c) => {
      const drop = objectAt(c.container, 'securityContext', 'capabilities')?.drop;
      return !(Array.isArray(drop) && drop.some((cap) => typeof cap === 'string' && capabilityKey(cap) === 'ALL'));
    })
    .map((c) => ({
      rule: 'drop-all',
      path: `${c.path}.securityContext.capabilities.drop`,
      container: c.name,
      message: 'must include "ALL": every capability is dropped and only allowed ones are added back',
    }));
}

/** One profile field checked at pod level and in every container: each value not allowed is a violation. */
function eachSecurityContext(pod: PodContext, field: string, rule: string, problem: (value: unknown) => string | undefined): Violation[] {
  const out: Violation[] = [];
  const podProblem = problem(pod.podSc?.[field]);
  if (podProblem) out.push({ rule, path: `${pod.path}.securityContext.${field}`, message: podProblem });
  for (const c of pod.containers) {
    const containerProblem = problem(securityContextOf(c.container)?.[field]);
    if (containerProblem) out.push({ rule, path: `${c.path}.securityContext.${field}`, container: c.name, message: containerProblem });
  }
  return out;
}

function appArmor(pod: PodContext): Violation[] {
  return eachSecurityContext(pod, 'appArmorProfile', 'apparmor', (profile) => {
    const type = objectAt(profile)?.type;
    if (isUnset(type) || type === 'RuntimeDefault' || type === 'Localhost') return undefined;
    return `type ${JSON.stringify(type)} is not allowed; use RuntimeDefault or Localhost`;
  });
}

const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

function seLinux(pod: PodContext): Violation[] {
  return eachSecurityContext(pod, 'seLinuxOptions', 'selinux', (options) => {
    const o = objectAt(options);
    if (!o) return undefined;
    const problems: string[] = [];
    if (!isUnset(o.type) && !SELINUX_TYPES.has(o.type as string)) problems.push(`type ${JSON.stringify(o.type)} is not allowed (allowed: ${[...SELINUX_TYPES].filter(Boolean).join(', ')})`);
    for (const key of ['user', 'role'] as const) if (!isUnset(o[key]) && o[key] !== '') problems.push(`${key} may not be set`);
    return problems.length > 0 ? problems.join('; ') : undefined;
  });
}

function procMount(pod: PodContext): Violation[] {
  return pod.containers
    .filter((c) => {
      const value = securityContextOf(c.container)?.procMount;
      return !isUnset(value) && value !== 'Default';
    })
    .map((c) => ({ rule: 'proc-mount', path: `${c.path}.securityContext.procMount`, container: c.name, message: 'must be Default: an unmasked /proc exposes the host' }));
}

function sysctls(pod: PodContext): Violation[] {
  const allowed = new Set(pod.settings.allowedSysctls);
  return objectsIn(pod.podSc?.sysctls)
    .filter(({ item }) => !(typeof item.name === 'string' && allowed.has(item.name)))
    .map(({ item, index }) => ({
      rule: 'sysctls',
      path: `${pod.path}.securityContext.sysctls[${index}].name`,
      message: `sysctl ${JSON.stringify(item.name)} is not allowed (only namespaced ones that cannot affect other pods or the node)`,
    }));
}

function volumeTypes(pod: PodContext): Violation[] {
  const allowed = new Set(pod.settings.allowedVolumeTypes);
  const out: Violation[] = [];
  for (const { item, index } of objectsIn(pod.spec.volumes)) {
    // hostPath has its own rule and message.
    for (const type of Object.keys(item)) {
      if (type === 'name' || type === 'hostPath' || isUnset(item[type]) || allowed.has(type)) continue;
      out.push({
        rule: 'volume-types',
        path: `${pod.path}.volumes[${index}].${type}`,
        message: `${type} volumes are not allowed (volume ${JSON.stringify(item.name ?? `#${index}`)}; allowed: ${[...allowed].join(', ') || 'none'})`,
      });
    }
  }
  return out;
}

function privilegeEscalation(pod: PodContext): Violation[] {
  const out: Violation[] = [];
  for (const c of pod.containers) {
    const value = securityContextOf(c.container)?.allowPrivilegeEscalation;
    const path = `${c.path}.securityContext.allowPrivilegeEscalation`;
    if (value === true) out.push({ rule: 'privilege-escalation', path, container: c.name, message: 'must be false; privilege escalation is not allowed' });
    else if (isUnset(value) && pod.settings.requireExplicit && pod.linux) {
      out.push({ rule: 'privilege-escalation', path, container: c.name, message: 'must be set to false (unset allows privilege escalation)' });
    }
  }
  return out;
}

/** A positive whole number: a UID the kubelet will run as that is not root. */
function isNonRootUid(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

function runAsRoot(pod: PodContext): Violation[] {
  const out: Violation[] = [];
  if (pod.podSc?.runAsUser === 0) out.push({ rule: 'run-as-root', path: `${pod.path}.securityContext.runAsUser`, message: 'running as UID 0 (root) is not allowed' });
  for (const c of pod.containers) {
    const sc = securityContextOf(c.container);
    if (sc?.runAsUser === 0) {
      out.push({ rule: 'run-as-root', path: `${c.path}.securityContext.runAsUser`, container: c.name, message: 'running as UID 0 (root) is not allowed' });
      continue;
    }
    if (!pod.settings.requireExplicit || !pod.linux) continue;
    // The container's own setting wins over the pod's, field by field.
    const nonRoot = sc && !isUnset(sc.runAsNonRoot) ? sc.runAsNonRoot : pod.podSc?.runAsNonRoot;
    const uid = sc && !isUnset(sc.runAsUser) ? sc.runAsUser : pod.podSc?.runAsUser;
    if (nonRoot !== true && !isNonRootUid(uid)) {
      out.push({
        rule: 'run-as-root',
        path: `${c.path}.securityContext.runAsNonRoot`,
        container: c.name,
        message: `must be true, here or in ${pod.path}.securityContext, or runAsUser must be non-zero: otherwise the image may run as root`,
      });
    }
  }
  return out;
}

function seccompType(sc: Obj | undefined): unknown {
  const profile = objectAt(sc, 'seccompProfile');
  return profile ? profile.type : undefined;
}

function seccomp(pod: PodContext): Violation[] {
  const out: Violation[] = [];
  const podType = seccompType(pod.podSc);
  if (podType === 'Unconfined') {
    out.push({ rule: 'seccomp', path: `${pod.path}.securityContext.seccompProfile.type`, message: 'Unconfined is not allowed; use RuntimeDefault or Localhost' });
  }
  for (const c of pod.containers) {
    const type = seccompType(securityContextOf(c.container));
    const path = `${c.path}.securityContext.seccompProfile.type`;
    if (type === 'Unconfined') out.push({ rule: 'seccomp', path, container: c.name, message: 'Unconfined is not allowed; use RuntimeDefault or Localhost' });
    else if (isUnset(type) && isUnset(podType) && pod.settings.requireExplicit && pod.linux) {
      out.push({
        rule: 'seccomp',
        path,
        container: c.name,
        message: `must be RuntimeDefault or Localhost, here or in ${pod.path}.securityContext.seccompProfile (unset may mean Unconfined)`,
      });
    }
  }
  return out;
}

function hostPorts(pod: PodContext): Violation[] {
  const allowed = new Set(pod.settings.allowedHostPorts);
  const out: Violation[] = [];
  for (const c of pod.containers) {
    for (const { item, index } of objectsIn(c.container.ports)) {
      const hostPort = item.hostPort;
      if (isUnset(hostPort) || hostPort === 0 || (typeof hostPort === 'number' && allowed.has(hostPort))) continue;
      out.push({
        rule: 'host-ports',
        path: `${c.path}.ports[${index}].hostPort`,
        container: c.name,
        message: `host port ${JSON.stringify(hostPort)} is not allowed${allowed.size > 0 ? ` (allowed: ${[...allowed].join(', ')})` : ''}`,
      });
    }
  }
  return out;
}

function hasValue(value: unknown): boolean {
  return (typeof value === 'string' && value.trim() !== '') || (typeof value === 'number' && value > 0);
}

function memoryLimits(pod: PodContext): Violation[] {
  if (!pod.settings.requireMemoryLimits) return [];
  // Ephemeral containers cannot declare resources; they share the pod's.
  return pod.containers
    .filter((c) => c.list !== 'ephemeralContainers' && !hasValue(objectAt(c.container, 'resources', 'limits')?.memory))
    .map((c) => ({ rule: 'memory-limits', path: `${c.path}.resources.limits.memory`, container: c.name, message: 'a memory limit is required' }));
}

function images(pod: PodContext): Violation[] {
  return pod.containers.flatMap((c) => imageViolations(c, pod.settings));
}

const RULES: readonly ((pod: PodContext) => Violation[])[] = [
  hostNamespaces,
  hostPathVolumes,
  volumeTypes,
  sysctls,
  hostProcess,
  privileged,
  capabilities,
  dropAll,
  privilegeEscalation,
  runAsRoot,
  seccomp,
  appArmor,
  seLinux,
  procMount,
  hostPorts,
  memoryLimits,
  images,
];

/** Every violation in a pod spec: pod-level first, then container by container, so a reader can fix one container at a time. */
export function checkPodSpec(spec: Obj, path: string, settings: PodSecuritySettings): Violation[] {
  const pod = podContext(spec, path, settings);
  const position = (v: Violation) => pod.containers.findIndex((c) => v.path.startsWith(`${c.path}.`));
  return RULES.flatMap((rule) => rule(pod))
    .map((v, i) => ({ v, i, at: position(v) }))
    .sort((a, b) => a.at - b.at || a.i - b.i)
    .map(({ v }) => v);
}
