import { KadmitError } from '../errors.ts';

// The two outcomes of a conditional write that are not failures: someone else
// wrote first (409 / AlreadyExists), or the document is gone (404). Store
// implementations throw these; the engine re-reads and adopts.

export const STATE_CONFLICT = 'KADMIT_STATE_CONFLICT';
export const STATE_MISSING = 'KADMIT_STATE_MISSING';

export function stateConflict(message: string): KadmitError {
  return new KadmitError(STATE_CONFLICT, message);
}

export function stateMissing(message: string): KadmitError {
  return new KadmitError(STATE_MISSING, message);
}

export function isStateRace(err: unknown): boolean {
  return err instanceof KadmitError && (err.code === STATE_CONFLICT || err.code === STATE_MISSING);
}
