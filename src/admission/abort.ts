// Why a review was cut short. The three causes are kept apart all the way to the
// logs and metrics: "the apiserver went away", "we ran out of time" and "we are
// shutting down" call for different fixes.
import { KadmitError } from '../errors.ts';
import type { ErrorCode } from '../error-codes.ts';

export type AbortKind = 'client-disconnected' | 'deadline-exceeded' | 'shutdown';

const CODES: Record<AbortKind, ErrorCode> = {
  'client-disconnected': 'KADMIT_ABORT_CLIENT_DISCONNECTED',
  'deadline-exceeded': 'KADMIT_ABORT_DEADLINE_EXCEEDED',
  shutdown: 'KADMIT_ABORT_SHUTDOWN',
};

export class ReviewAbortedError extends KadmitError {
  readonly kind: AbortKind;
  constructor(kind: AbortKind, message: string) {
    super(CODES[kind], message);
    this.name = 'ReviewAbortedError';
    this.kind = kind;
  }
}

export function abortKindOf(signal: AbortSignal): AbortKind | undefined {
  return signal.aborted && signal.reason instanceof ReviewAbortedError ? signal.reason.kind : undefined;
}
