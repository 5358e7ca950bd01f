// Secret values must never reach a log line or a recorded fixture. Redaction is
// by kind, not by path alone: a ConfigMap's `data` is fine to show, a Secret's
// is not, and neither is the copy of it that `kubectl apply` keeps in the
// last-applied-configuration annotation (the whole Secret, values included).
import type { AdmissionRequest } from '../model/request.ts';
import { isObject } from '../json.ts';

export const REDACTED = '[REDACTED]';
export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** A core/v1 Secret by its own apiVersion and kind. */
export function isSecret(value: unknown): boolean {
  return isObject(value) && value.kind === 'Secret' && (value.apiVersion === 'v1' || value.apiVersion === undefined);
}

function redactValues(map: unknown): unknown {
  if (!isObject(map)) return map === undefined || map === null ? map : REDACTED;
  return Object.fromEntries(Object.keys(map).map((k) => [k, REDACTED]));
}

/** A copy of a Secret (known to be one) with its values and its last-applied annotation replaced. */
export function redactSecret(secret: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...secret };
  if ('data' in copy) copy.data = redactValues(copy.data);
  if ('stringData' in copy) copy.stringData = redactValues(copy.stringData);
  const metadata = copy.metadata;
  if (isObject(metadata) && isObject(metadata.annotations) && LAST_APPLIED in metadata.annotations) {
    copy.metadata = { ...metadata, annotations: { ...metadata.annotations, [LAST_APPLIED]: REDACTED } };
  }
  return copy;
}

/** A copy of `value` with Secrets (also in a List, or in a review or request) redacted; other values returned as is. */
export function redactSecretData<T>(value: T): T {
  if (!isObject(value)) return value;
  if (isSecret(value)) return redactSecret(value) as T;
  let copy: Record<string, unknown> | undefined;
  for (const key of ['items', 'object', 'oldObject', 'request'] as const) {
    const inner = value[key];
    if (inner === undefined || inner === null) continue;
    const redacted = Array.isArray(inner) ? inner.map((i) => redactSecretData(i)) : redactSecretData(inner);
    if (redacted !== inner || Array.isArray(inner)) {
      copy ??= { ...value };
      copy[key] = redacted;
    }
  }
  return (copy ?? value) as T;
}

/** The request's objects for a log line: as Secrets when the request is about Secrets, whatever their own fields say. */
export function redactRequestObjects(request: Pick<AdmissionRequest, 'kind' | 'requestKind' | 'resource' | 'object' | 'oldObject'>): { object: unknown; oldObject: unknown } {
  const core = (g: { group: string } | undefined) => g?.group === '';
  const secrets = (core(request.kind) && request.kind.kind === 'Secret')
    || (core(request.requestKind) && request.requestKind?.kind === 'Secret')
    || (core(request.resource) && request.resource.resource === 'secrets');
  const as = (o: Record<string, unknown> | null) => (o === null ? null : secrets ? redactSecret(o) : redactSecretData(o));
  return { object: as(request.object), oldObject: as(request.oldObject) };
}
