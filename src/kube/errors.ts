// Kubernetes API failures as KadmitErrors with stable codes. client-node
// throws ApiException with the HTTP code and the Status body as *text*; 409
// means either AlreadyExists or Conflict, told apart by Status.reason.
import { KadmitError } from '../errors.ts';

export const KubeErrorCode = {
  NotFound: 'KADMIT_KUBE_NOT_FOUND',
  AlreadyExists: 'KADMIT_KUBE_ALREADY_EXISTS',
  // A resourceVersion precondition or a JSON-patch `test` guard failed: re-read and retry.
  Conflict: 'KADMIT_KUBE_CONFLICT',
  Gone: 'KADMIT_KUBE_GONE',
  Invalid: 'KADMIT_KUBE_INVALID',
  Unauthorized: 'KADMIT_KUBE_UNAUTHORIZED',
  Forbidden: 'KADMIT_KUBE_FORBIDDEN',
  // 429, 5xx, connection refused/reset: the API is (temporarily) not answering.
  Unavailable: 'KADMIT_KUBE_UNAVAILABLE',
  // kadmit's own per-request time limit passed.
  Timeout: 'KADMIT_KUBE_TIMEOUT',
  Failed: 'KADMIT_KUBE_REQUEST_FAILED',
  Config: 'KADMIT_KUBE_CONFIG',
  Precondition: 'KADMIT_KUBE_PRECONDITION',
  // The abort reason when a Reflector is stopped.
  Stopped: 'KADMIT_KUBE_STOPPED',
} as const;
export type KubeErrorCode = (typeof KubeErrorCode)[keyof typeof KubeErrorCode];

export interface KubeStatus {
  kind?: string;
  code?: number;
  reason?: string;
  message?: string;
  details?: { causes?: Array<{ reason?: string; message?: string; field?: string }>; retryAfterSeconds?: number };
}

export class KubeApiError extends KadmitError {
  // HTTP status, when the server answered.
  readonly status: number | undefined;
  // metav1.Status reason (AlreadyExists, Conflict, Invalid, Expired...).
  readonly reason: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly retryable: boolean;

  constructor(code: KubeErrorCode, message: string, opts: { status?: number; reason?: string; retryAfterMs?: number; cause?: unknown } = {}) {
    super(code, message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'KubeApiError';
    this.status = opts.status;
    this.reason = opts.reason;
    this.retryAfterMs = opts.retryAfterMs;
    this.retryable = code === KubeErrorCode.Unavailable || code === KubeErrorCode.Timeout;
  }
}

export function isKubeError(err: unknown, code?: KubeErrorCode): err is KubeApiError {
  return err instanceof KubeApiError && (code === undefined || err.code === code);
}

export function parseStatus(body: unknown): KubeStatus | undefined {
  let v = body;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return undefined;
    }
  }
  return typeof v === 'object' && v !== null && (v as KubeStatus).kind === 'Status' ? (v as KubeStatus) : undefined;
}

// A JSON patch whose `test` op failed: apiserver answers 422 with the
// evanphx/json-patch message ("testing value /x failed: test failed").
function isFailedPatchTest(status: KubeStatus | undefined): boolean {
  const texts = [status?.message ?? '', ...(status?.details?.causes ?? []).map((c) => c.message ?? '')];
  return texts.some((t) => /test failed|testing value/.test(t));
}

function retryAfter(headers: Record<string, string> | undefined, status: KubeStatus | undefined): number | undefined {
  const h = headers?.['retry-after'];
  const seconds = h !== undefined && /^\d+$/.test(h) ? Number(h) : status?.details?.retryAfterSeconds;
  return seconds === undefined ? undefined : seconds * 1000;
}

export function fromHttpStatus(httpStatus: number, body: unknown, what: string, headers?: Record<string, string>, cause?: unknown): KubeApiError {
  const status = parseStatus(body);
  const reason = status?.reason;
  const detail = status?.message ?? (typeof body === 'string' && body !== '' ? body.slice(0, 200) : `HTTP ${httpStatus}`);
  const message = `${what}: ${detail}`;
  const opts: { status: number; reason?: string; retryAfterMs?: number; cause?: unknown } = { status: httpStatus, cause };
  if (reason !== undefined) opts.reason = reason;
  const ra = retryAfter(headers, status);
  if (ra !== undefined) opts.retryAfterMs = ra;
  let code: KubeErrorCode;
  if (httpStatus === 404) code = KubeErrorCode.NotFound;
  else if (httpStatus === 409) code = reason === 'AlreadyExists' ? KubeErrorCode.AlreadyExists : KubeErrorCode.Conflict;
  else if (httpStatus === 410) code = KubeErrorCode.Gone;
  else if (httpStatus === 422) code = isFailedPatchTest(status) ? KubeErrorCode.Conflict : KubeErrorCode.Invalid;
  else if (httpStatus === 400) code = KubeErrorCode.Invalid;
  else if (httpStatus === 401) code = KubeErrorCode.Unauthorized;
  else if (httpStatus === 403) code = KubeErrorCode.Forbidden;
  else if (httpStatus === 429 || httpStatus >= 500) code = KubeErrorCode.Unavailable;
  else code = KubeErrorCode.Failed;
  return new KubeApiError(code, message, opts);
}

// Map whatever a client-node call threw. ApiException is recognised by shape
// (numeric `code` plus `body`), network failures by undici's "fetch failed".
export function toKubeError(err: unknown, what: string): KubeApiError {
  if (err instanceof KubeApiError) return err;
  const e = err as { code?: unknown; body?: unknown; headers?: Record<string, string>; message?: string; cause?: { code?: string; message?: string } };
  if (typeof e?.code === 'number' && e.code >= 100 && e.code < 600) {
    return fromHttpStatus(e.code, e.body, what, e.headers, err);
  }
  const causeCode = e?.cause?.code;
  const text = causeCode ?? e?.cause?.message ?? e?.message ?? String(err);
  // Connection-level failures (refused, reset, TLS, socket closed) are worth retrying.
  if (err instanceof TypeError || typeof causeCode === 'string') {
    return new KubeApiError(KubeErrorCode.Unavailable, `${what}: ${text}`, { cause: err });
  }
  return new KubeApiError(KubeErrorCode.Failed, `${what}: ${text}`, { cause: err });
}
