import type { CaEntry, CaState } from './ca-state.ts';
import { RENEW_FRACTION, isDueForRenewal } from './renewal.ts';

// The CA rotation as pure transitions of the shared state. Every replica
// computes them from the same state and clock, and every write is
// conditional, so whichever replica writes first wins and the others adopt.
//
//   steady ──(current due)──> next created ──(all targets hold it, read back)──>
//   published ──(grace elapsed, still held)──> promoted: next signs, old current
//   retired ──(no leaf it signed can still be served)──> dropped

export interface PlanConfig {
  /** How long a CA must have been published everywhere before leaves from it are served. */
  graceMs: number;
  /** Serving lifetime: bounds how long a leaf of a retired CA can still be served. */
  servingMs: number;
  renewFraction?: number;
}

export type Transition = 'next-created' | 'published' | 'unpublished' | 'promoted' | 'dropped';

export interface Planned {
  state: CaState;
  transitions: Transition[];
}

/** True when a next CA must be generated (the caller issues it, then calls withNextCa). */
export function needsNextCa(state: CaState, now: Date, cfg: PlanConfig): boolean {
  if (state.next) return false;
  return !state.current || isDueForRenewal(state.current, now, cfg.renewFraction ?? RENEW_FRACTION);
}

export function withNextCa(state: CaState, ca: CaEntry): Planned {
  return { state: { ...state, next: { ...ca } }, transitions: ['next-created'] };
}

/** Retired CAs past their drop time leave trust; forgotten drops expire. */
export function dropRetired(state: CaState, now: Date): Planned {
  const due = state.retired.filter((r) => now >= r.dropAfter);
  const dropped = [...state.dropped, ...due.map((r) => ({ fingerprint: r.fingerprint, notAfter: r.notAfter }))].filter(
    (d) => d.notAfter > now,
  );
  if (due.length === 0 && dropped.length === state.dropped.length) return { state, transitions: [] };
  return {
    state: { ...state, retired: state.retired.filter((r) => now < r.dropAfter), dropped },
    transitions: due.length > 0 ? ['dropped'] : [],
  };
}

/**
 * Transitions that depend on the caBundle targets, observed by reading them
 * back: mark the next CA published, withdraw that mark if a target lost it
 * (the grace period starts again), promote once the grace period has passed.
 */
export function advanceWithTargets(
  state: CaState,
  now: Date,
  targets: { holdNext: boolean; addedNext?: boolean },
  cfg: PlanConfig,
): Planned {
  const targetsHoldNext = targets.holdNext;
  const next = state.next;
  if (!next) return { state, transitions: [] };
  if (!targetsHoldNext) {
    if (!next.publishedAt) return { state, transitions: [] };
    const { publishedAt: _dropped, ...unpublished } = next;
    return { state: { ...state, next: unpublished }, transitions: ['unpublished'] };
  }
  const transitions: Transition[] = [];
  let publishedAt = next.publishedAt;
  // This cycle had to (re)add the next CA somewhere (e.g. a GitOps sync had
  // removed it): the apiserver may not have it yet, so the grace starts over.
  if (!publishedAt || targets.addedNext) {
    publishedAt = now;
    transitions.push('published');
  }
  // Nothing can be relying on an older CA at first install: no grace needed.
  const fresh = !state.current && state.retired.length === 0;
  if (!fresh && now.getTime() < publishedAt.getTime() + cfg.graceMs) {
    return { state: { ...state, next: { ...next, publishedAt } }, transitions };
  }
  const { publishedAt: _p, ...promoted } = next;
  const retired = [...state.retired];
  if (state.current) {
    const old = state.current;
    // A replica that has not seen the promotion yet may still issue from the
    // old CA; its leaf lives at most servingMs, and never past the old CA.
    const dropAfter = new Date(Math.min(old.notAfter.getTime(), now.getTime() + cfg.servingMs + cfg.graceMs));
    retired.unshift({ cert: old.cert, fingerprint: old.fingerprint, notAfter: old.notAfter, dropAfter });
  }
  transitions.push('promoted');
  const { next: _n, ...rest } = state;
  return { state: { ...rest, current: promoted, retired }, transitions };
}
