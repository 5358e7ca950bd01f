// One broken rule, located: the field path and, for container rules, the
// container's name, so a user can find it in their manifest.
export interface Violation {
  /** Stable rule id, also used in the audit annotation. */
  rule: string;
  /** `spec.template.spec.containers[0].securityContext.privileged` */
  path: string;
  container?: string;
  message: string;
}

export function formatViolation(v: Violation): string {
  return `${v.path}${v.container !== undefined ? ` (container "${v.container}")` : ''}: ${v.message}`;
}

const MAX_LISTED = 10;

/** The denial message: every violation up to a bound, so a pathological pod cannot make a huge reply. */
export function denialMessage(subject: string, violations: readonly Violation[]): string {
  const listed = violations.slice(0, MAX_LISTED).map(formatViolation);
  const more = violations.length > MAX_LISTED ? `; and ${violations.length - MAX_LISTED} more` : '';
  const count = violations.length === 1 ? '1 violation' : `${violations.length} violations`;
  return `${subject} breaks pod security (${count}): ${listed.join('; ')}${more}`;
}

/** A short form for a warning (the apiserver keeps at most 120 characters of each). */
export function warningText(v: Violation, specPath: string): string {
  const field = v.path.startsWith(`${specPath}.`) ? v.path.slice(specPath.length + 1) : v.path;
  return `pod-security: ${field}${v.container !== undefined ? ` (container "${v.container}")` : ''}: ${v.rule}`;
}

export const MAX_WARNINGS = MAX_LISTED;
