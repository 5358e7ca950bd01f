// metav1.Status bodies shaped like the ones kube-apiserver sends, so client
// code is tested against the real reason/code/details it must interpret.
import type { ResourceInfo } from './resources.ts';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    uid?: string;
    causes?: StatusCause[];
    retryAfterSeconds?: number;
  };
  code: number;
}

// An error carrying the Status the server answers with.
export class StatusError extends Error {
  readonly status: Status;
  constructor(status: Status) {
    super(status.message ?? status.reason ?? String(status.code));
    this.status = status;
  }
}

function failure(code: number, reason: string, message: string, details?: Status['details']): StatusError {
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) status.details = details;
  return new StatusError(status);
}

// "secrets" or "validatingwebhookconfigurations.admissionregistration.k8s.io", as in apiserver messages.
export function qualifiedResource(res: ResourceInfo): string {
  return res.group ? `${res.plural}.${res.group}` : res.plural;
}

function groupDetails(res: ResourceInfo, name: string): NonNullable<Status['details']> {
  const d: NonNullable<Status['details']> = { name, kind: res.plural };
  if (res.group) d.group = res.group;
  return d;
}

export function success(res: ResourceInfo, name: string, uid?: string): Status {
  const details = groupDetails(res, name);
  if (uid) details.uid = uid;
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details, code: 200 };
}

export function notFound(res: ResourceInfo, name: string): StatusError {
  return failure(404, 'NotFound', `${qualifiedResource(res)} "${name}" not found`, groupDetails(res, name));
}

export function alreadyExists(res: ResourceInfo, name: string): StatusError {
  return failure(409, 'AlreadyExists', `${qualifiedResource(res)} "${name}" already exists`, groupDetails(res, name));
}

export function conflict(res: ResourceInfo, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again'): StatusError {
  return failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(res)} "${name}": ${why}`, groupDetails(res, name));
}

export function applyConflict(res: ResourceInfo, name: string, conflicts: Array<{ manager: string; field: string }>): StatusError {
  const causes = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with "${c.manager}"`,
    field: c.field,
  }));
  const list = conflicts.map((c) => `conflict with "${c.manager}": ${c.field}`).join('\n- ');
  const message = conflicts.length === 1 ? `Apply failed with 1 conflict: ${list}` : `Apply failed with ${conflicts.length} conflicts: \n- ${list}`;
  return failure(409, 'Conflict', message, { ...groupDetails(res, name), causes });
}

export function invalid(res: ResourceInfo, name: string, causes: Array<{ field: string; message: string; reason?: string }>): StatusError {
  const text = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
  return failure(422, 'Invalid', `${res.kind} "${name}" is invalid: ${text}`, {
    name,
    ...(res.group ? { group: res.group } : {}),
    kind: res.kind,
    causes: causes.map((c) => ({ reason: c.reason ?? 'FieldValueInvalid', message: c.message, field: c.field })),
  });
}

// What apiserver answers when a JSON patch does not apply (a failed `test` op included).
export function patchNotApplicable(serverMessage: string): StatusError {
  return failure(422, 'Invalid', 'the server rejected our request due to an error in our request', {
    causes: [{ reason: 'UnexpectedServerResponse', message: serverMessage }],
  });
}

export function badRequest(message: string): StatusError {
  return failure(400, 'BadRequest', message);
}

export function unauthorized(): StatusError {
  return failure(401, 'Unauthorized', 'Unauthorized');
}

export function methodNotAllowed(): StatusError {
  return failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

export function unsupportedMediaType(contentType: string): StatusError {
  return failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got ${contentType || 'none'})`);
}

export function gone(requested: string, oldest: string): StatusError {
  return failure(410, 'Expired', `too old resource version: ${requested} (${oldest})`);
}

// Failures a fault can inject: any code, with the reason apiserver uses for it.
export function forCode(code: number, message?: string, retryAfterSeconds?: number): StatusError {
  const reasons: Record<number, string> = {
    400: 'BadRequest',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'NotFound',
    405: 'MethodNotAllowed',
    409: 'Conflict',
    410: 'Expired',
    422: 'Invalid',
    429: 'TooManyRequests',
    500: 'InternalError',
    503: 'ServiceUnavailable',
    504: 'Timeout',
  };
  const reason = reasons[code] ?? 'Unknown';
  const details = retryAfterSeconds === undefined ? undefined : { retryAfterSeconds };
  return failure(code, reason, message ?? `injected fault: ${reason}`, details);
}

export function internal(message: string): StatusError {
  return failure(500, 'InternalError', `Internal error occurred: ${message}`);
}
