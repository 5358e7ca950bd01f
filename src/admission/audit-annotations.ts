// Audit annotation keys are stored as `<webhook name>/<key>`, so the key must be a
// valid qualified-name part; the apiserver silently drops anything else.
const QUALIFIED_NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

export function isValidAuditAnnotationKey(key: string): boolean {
  return key.length <= 63 && QUALIFIED_NAME_PART.test(key);
}

export interface CheckedAnnotations {
  annotations: Record<string, string>;
  /** Keys that were dropped, for the log line. */
  dropped: string[];
}

export function checkAuditAnnotations(input: Readonly<Record<string, unknown>>): CheckedAnnotations {
  const annotations: Record<string, string> = {};
  const dropped: string[] = [];
  for (const [key, value] of Object.entries(input)) {
    if (isValidAuditAnnotationKey(key) && typeof value === 'string') annotations[key] = value;
    else dropped.push(key);
  }
  return { annotations, dropped };
}
