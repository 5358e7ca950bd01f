// A rendered Kubernetes object, and a place for the comment it is written with.
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown>;
  [field: string]: unknown;
}

/** Objects written with a leading comment (why a field is missing, what fills it in). */
export interface Rendered {
  object: K8sObject;
  comment?: string;
  /** The file under --out this object goes to. */
  file: string;
}
