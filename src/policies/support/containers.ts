// The containers of a pod spec, in the order the kubelet starts them, each with
// the path used in messages so a denial names exactly which container and field.
import { isObject } from '../../json.ts';
import { objectsIn, type Obj } from './unstructured.ts';

export const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;
export type ContainerList = (typeof CONTAINER_LISTS)[number];

export interface ContainerRef {
  list: ContainerList;
  index: number;
  /** The container's name, or `#<index>` when it has none (the API requires one; input may lack it). */
  name: string;
  container: Obj;
  /** `spec.template.spec.containers[0]` */
  path: string;
}

export function containersOf(podSpec: Obj, specPath: string): ContainerRef[] {
  const out: ContainerRef[] = [];
  for (const list of CONTAINER_LISTS) {
    for (const { item, index } of objectsIn(podSpec[list])) {
      const name = typeof item.name === 'string' && item.name !== '' ? item.name : `#${index}`;
      out.push({ list, index, name, container: item, path: `${specPath}.${list}[${index}]` });
    }
  }
  return out;
}

/** A container's securityContext, when it is an object. */
export function securityContextOf(container: Obj): Obj | undefined {
  return isObject(container.securityContext) ? container.securityContext : undefined;
}
