// Fills in secure defaults in a pod spec, in place. Only unset fields (absent
// or null) are written, and a default is skipped where it would contradict or
// invalidate what the user did set; so a second pass changes nothing.
import { containersOf, type ContainerRef } from '../support/containers.ts';
import { isUnset, objectAt, writableObject, type Obj } from '../support/unstructured.ts';
import { capabilityKey } from '../support/settings.ts';
import type { PodDefaultsSettings } from './settings.ts';

export interface ApplyScope {
  /** Pod-level fields may be written (false for an existing pod, whose spec is immutable). */
  podLevel: boolean;
  /** Only these containers are defaulted (all when absent). */
  containers?: (c: ContainerRef) => boolean;
}

/** Applies the defaults; returns the names of the defaults it wrote (empty: nothing changed). */
export function applyPodDefaults(spec: Obj, settings: PodDefaultsSettings, scope: ApplyScope): Set<string> {
  const applied = new Set<string>();
  const podSc = objectAt(spec, 'securityContext');
  const podSeccompSet = !isUnset(podSc?.seccompProfile);

  if (settings.setSeccompProfile && scope.podLevel && !podSeccompSet) {
    const target = writableObject(spec, 'securityContext');
    if (target) {
      target.seccompProfile = { type: 'RuntimeDefault' };
      applied.add('seccompProfile');
    }
  }
  for (const c of containersOf(spec, 'spec')) {
    if (scope.containers && !scope.containers(c)) continue;
    const sc = objectAt(c.container, 'securityContext');
    const set = (field: string, value: unknown, name: string) => {
      const target = writableObject(c.container, 'securityContext');
      if (!target) return;
      target[field] = value;
      applied.add(name);
    };

    // Without a pod-level profile to inherit, a container must carry its own.
    if (settings.setSeccompProfile && !scope.podLevel && !podSeccompSet && isUnset(sc?.seccompProfile)) {
      set('seccompProfile', { type: 'RuntimeDefault' }, 'seccompProfile');
    }
    if (settings.setAllowPrivilegeEscalation && isUnset(sc?.allowPrivilegeEscalation) && !escalationRequired(sc)) {
      set('allowPrivilegeEscalation', false, 'allowPrivilegeEscalation');
    }
    if (settings.setRunAsNonRoot && isUnset(sc?.runAsNonRoot) && isUnset(podSc?.runAsNonRoot) && effectiveUid(sc, podSc) !== 0) {
      set('runAsNonRoot', true, 'runAsNonRoot');
    }
    if (settings.dropAllCapabilities && isUnset(objectAt(sc, 'capabilities')?.drop)) {
      const target = writableObject(c.container, 'securityContext');
      const caps = target && writableObject(target, 'capabilities');
      if (caps) {
        caps.drop = ['ALL'];
        applied.add('dropAllCapabilities');
      }
    }
  }
  return applied;
}

/** The API rejects allowPrivilegeEscalation=false together with privileged or CAP_SYS_ADMIN. */
function escalationRequired(sc: Obj | undefined): boolean {
  if (sc?.privileged === true) return true;
  const add = objectAt(sc, 'capabilities')?.add;
  return Array.isArray(add) && add.some((cap) => typeof cap === 'string' && capabilityKey(cap) === 'SYS_ADMIN');
}

/** The UID the container asks for: its own runAsUser, else the pod's. */
function effectiveUid(sc: Obj | undefined, podSc: Obj | undefined): unknown {
  return !isUnset(sc?.runAsUser) ? sc?.runAsUser : podSc?.runAsUser;
}
