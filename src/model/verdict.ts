// What a handler answers. Handlers never build HTTP or AdmissionReview bodies:
// they return one of these and the pipeline turns it into the reply.
// Part of the model layer: it imports nothing of kadmit but the model.
import type { RawObject } from './request.ts';

export interface VerdictExtras {
  warnings?: readonly string[];
  /** Keys become `<webhook name>/<key>` in the audit log; see audit-annotations.ts. */
  auditAnnotations?: Readonly<Record<string, string>>;
}

export interface Allowed extends VerdictExtras {
  readonly verdict: 'allowed';
}

export interface Denied extends VerdictExtras {
  readonly verdict: 'denied';
  message: string;
  /**
   * HTTP-style status code shown to the user: a whole number from 400 to 599
   * (default 403). kadmit sends any other value (below 400, above 599, not a
   * whole number) as 403, so a denial always reads as one.
   */
  code: number;
  reason: string;
}

/** O is the handler's object type: a kinds webhook can only return an object of its kinds. */
export interface Mutated<O extends object = RawObject> extends VerdictExtras {
  readonly verdict: 'mutated';
  object: O;
}

export type Verdict = Allowed | Denied;
export type MutationVerdict<O extends object = RawObject> = Allowed | Denied | Mutated<O>;

export function allow(extras: VerdictExtras = {}): Allowed {
  return { ...extras, verdict: 'allowed' };
}

export function deny(message: string, options: VerdictExtras & { code?: number; reason?: string } = {}): Denied {
  const { code = 403, reason = 'Forbidden', ...extras } = options;
  return { ...extras, verdict: 'denied', message, code, reason };
}

/** The object as the handler wants it stored; kadmit computes the JSON patch. */
export function mutate<O extends object>(object: O, extras: VerdictExtras = {}): Mutated<O> {
  return { ...extras, verdict: 'mutated', object };
}
