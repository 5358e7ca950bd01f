// Audit annotation keys are stored as `<webhook name>/<key>`, so the key must be a
// valid qualified-name part; the apiserver silently drops anything else. Their
// number and size are capped: each lands in every audit event of the request.
import { truncate } from '../truncate.ts';

const QUALIFIED_NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

export const MAX_AUDIT_ANNOTATIONS = 64;
export const MAX_AUDIT_ANNOTATION_VALUE = 2048;
/** Keeps its place in the answer when annotations over the count were dropped. */
export const DROPPED_ANNOTATIONS_KEY = 'kadmit-annotations-dropped';
/** Dropped keys named in the log line; the rest are counted. */
const NAMED_DROPS = 16;

export function isValidAuditAnnotationKey(key: string): boolean {
  return key.length <= 63 && QUALIFIED_NAME_PART.test(key);
}

export interface CheckedAnnotations {
  annotations: Record<string, string>;
  /** Keys that were dropped as invalid, for the log line (the first few, shortened). */
  dropped: string[];
  /** How many were dropped in all: invalid, or over the count. */
  droppedCount: number;
}

export function checkAuditAnnotations(input: Readonly<Record<string, unknown>>): CheckedAnnotations {
  const annotations: Record<string, string> = {};
  const dropped: string[] = [];
  let kept = 0;
  let droppedCount = 0;
  let overCount = 0;
  for (const key in input) {
    if (!Object.hasOwn(input, key)) continue;
    const value = input[key];
    if (!isValidAuditAnnotationKey(key) || typeof value !== 'string') {
      droppedCount++;
      if (dropped.length < NAMED_DROPS) dropped.push(truncate(key, 80));
    } else if (kept < MAX_AUDIT_ANNOTATIONS - 1) {
      annotations[key] = truncate(value, MAX_AUDIT_ANNOTATION_VALUE);
      kept++;
    } else {
      overCount++;
      (annotations as Record<string, string | undefined>)[key] ??= undefined;
    }
  }
  // The last place holds the one more annotation when it fits, else the marker.
  if (overCount === 1) {
    const last = Object.keys(annotations).find((k) => annotations[k] === undefined)!;
    annotations[last] = truncate(input[last] as string, MAX_AUDIT_ANNOTATION_VALUE);
  } else {
    for (const k of Object.keys(annotations)) if (annotations[k] === undefined) delete annotations[k];
    if (overCount > 1) {
      annotations[DROPPED_ANNOTATIONS_KEY] = `${overCount} audit annotations over the limit of ${MAX_AUDIT_ANNOTATIONS} were dropped`;
      droppedCount += overCount;
    }
  }
  return { annotations, dropped, droppedCount };
}
