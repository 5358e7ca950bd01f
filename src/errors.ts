// Every error kadmit raises on purpose carries a stable code, so logs, metrics,
// tests and operators can match on it without parsing prose.
export class KadmitError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KadmitError';
    this.code = code;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
