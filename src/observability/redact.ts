// Secret values must never reach a log line or a recorded fixture. Redaction is
// by kind, not by path alone: a ConfigMap's `data` is fine to show.
const REDACTED = '[REDACTED]';

function isSecret(value: Record<string, unknown>): boolean {
  return value.kind === 'Secret' && (value.apiVersion === 'v1' || value.apiVersion === undefined);
}

function redactValues(map: unknown): unknown {
  if (typeof map !== 'object' || map === null || Array.isArray(map)) return map === undefined ? map : REDACTED;
  return Object.fromEntries(Object.keys(map).map((k) => [k, REDACTED]));
}

/** A copy of `value` with Secret `data`/`stringData` values replaced; other values returned as is. */
export function redactSecretData<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const obj = value as Record<string, unknown>;
  if (isSecret(obj)) {
    const copy: Record<string, unknown> = { ...obj };
    if ('data' in copy) copy.data = redactValues(copy.data);
    if ('stringData' in copy) copy.stringData = redactValues(copy.stringData);
    return copy as T;
  }
  // A List (or an AdmissionReview/Request) can carry Secrets one level down.
  let copy: Record<string, unknown> | undefined;
  for (const key of ['items', 'object', 'oldObject', 'request'] as const) {
    const inner = obj[key];
    if (inner === undefined || inner === null) continue;
    const redacted = Array.isArray(inner) ? inner.map((i) => redactSecretData(i)) : redactSecretData(inner);
    if (redacted !== inner || Array.isArray(inner)) {
      copy ??= { ...obj };
      copy[key] = redacted;
    }
  }
  return (copy ?? obj) as T;
}
