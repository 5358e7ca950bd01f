// Group/version/kind: the key schemas are looked up by, as an AdmissionRequest
// carries it in `request.kind` (core group is "").

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** The `apiVersion` an object of this GVK carries: `v1`, `apps/v1`. */
export function apiVersionOf(gvk: GroupVersionKind): string {
  return gvk.group === '' ? gvk.version : `${gvk.group}/${gvk.version}`;
}

/** Registry key, `apps/v1/Deployment` or `v1/Pod`; the same string apiVersion + "/" + kind gives. */
export function gvkKey(gvk: GroupVersionKind): string {
  return `${apiVersionOf(gvk)}/${gvk.kind}`;
}

/** For messages: `apps/v1, Kind=Deployment`, the way Kubernetes prints a GVK. */
export function gvkString(gvk: GroupVersionKind): string {
  return `${apiVersionOf(gvk)}, Kind=${gvk.kind}`;
}
