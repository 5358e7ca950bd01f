// Every error kadmit raises on purpose carries a stable code, so logs, metrics,
// tests and operators can match on it without parsing prose. The codes are the
// catalog's (error-codes.ts): a code missing there does not compile.
import type { ErrorCode } from './error-codes.ts';

export class KadmitError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KadmitError';
    this.code = code;
  }
}

/** A mistake in how a command was called or configured: the CLI exits 2 with its message. */
export class UsageError extends KadmitError {
  constructor(message: string) {
    super('KADMIT_USAGE', message);
  }
}

/** The message of anything thrown; never throws itself (a handler's error may have a throwing getter). */
export function errorMessage(err: unknown): string {
  try {
    return err instanceof Error ? String(err.message) : String(err);
  } catch {
    return 'an error whose message cannot be read';
  }
}
