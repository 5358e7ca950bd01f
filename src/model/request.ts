// The version-independent model of an admission request and its reply. The wire
// envelope (admission.k8s.io/v1 or v1beta1) is decoded into this by envelope.ts;
// policies only ever see these types.

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
export const OPERATIONS: readonly Operation[] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

export interface UserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** A JSON object as it came off the wire: nothing about its shape is assumed. */
export type RawObject = Record<string, unknown>;

export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  subResource?: string;
  requestKind?: GroupVersionKind;
  requestResource?: GroupVersionResource;
  requestSubResource?: string;
  name?: string;
  namespace?: string;
  operation: Operation;
  userInfo: UserInfo;
  /** null on DELETE (and on CONNECT without a body). */
  object: RawObject | null;
  /** null on CREATE and CONNECT. */
  oldObject: RawObject | null;
  dryRun: boolean;
  /** CreateOptions, UpdateOptions or DeleteOptions; null on CONNECT. */
  options: RawObject | null;
}

/** Which admission.k8s.io version the review came in; the reply goes out in the same. */
export type ReviewVersion = 'admission.k8s.io/v1' | 'admission.k8s.io/v1beta1';
export const REVIEW_VERSIONS: readonly ReviewVersion[] = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'];

/** The apiserver's uids are 36-character UUIDs; a longer one is refused rather than echoed and logged. */
export const MAX_UID_LENGTH = 253;

export interface AdmissionStatus {
  code: number;
  message: string;
  reason: string;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: AdmissionStatus;
  /** base64 of an RFC 6902 array; always together with patchType. */
  patch?: string;
  patchType?: 'JSONPatch';
  warnings?: string[];
  auditAnnotations?: Record<string, string>;
}

export function formatGvk(gvk: GroupVersionKind): string {
  return gvk.group === '' ? `${gvk.version}/${gvk.kind}` : `${gvk.group}/${gvk.version}/${gvk.kind}`;
}
