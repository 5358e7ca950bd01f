import { bundleHolds, editBundle, ownCasIn } from './bundle.ts';
import { advanceWithTargets, dropRetired, needsNextCa, withNextCa } from './ca-plan.ts';
import type { PlanConfig, Planned, Transition } from './ca-plan.ts';
import { decodeCaState, mergeCaStateInto, trustedCas } from './ca-state.ts';
import type { CaEntry, CaState, RetiredCa } from './ca-state.ts';
import { KadmitError } from '../errors.ts';
import type { CaBundleField, VersionedDocument } from './ports.ts';
import { renewalTime } from './renewal.ts';
import type { CertLifetimes } from './types.ts';
import { nextWake } from './wake.ts';

// One cycle of the CA loop as a state machine: caStep(machine, event, now)
// is pure; the driver (rotator.ts) performs the effect a step asks for
// (store and caBundle reads and writes, issuing a CA) and feeds back what came
// of it. A cycle:
//
//   idle ─cycle-requested─> reading-state ─state-read─> [adopting-published ─targets-read─>]
//     [issuing-next-ca ─ca-issued─>] [writing-plan ─state-written─>]
//     reading-targets ─targets-read─> [withdrawing ─state-written─>]
//     publishing (one write-target per field) ─> confirming ─targets-read─>
//     [writing-advance ─state-written─>] idle (done)
//
// Bracketed phases happen only when needed; without caBundle targets (file
// mode) every phase that reads or writes them is skipped: the document is the
// publication.
// A conditional write that loses (state-write-lost, or a caBundle guard that
// failed) starts the attempt over from reading-state, at most RACE_RETRIES
// attempts per cycle (then idle, contended); a failed effect ends the cycle
// (idle, failed). The rotation itself (next created, published, promoted,
// dropped) is decided by the pure transitions of ca-plan.ts.

export const RACE_RETRIES = 5;

export interface CaMachineConfig {
  plan: PlanConfig;
  lifetimes: CertLifetimes;
  /** Wall-clock check interval (ms): the longest the loop sleeps, and how young a spare CA must be. */
  checkMs: number;
  /** caBundle fields are kept in step (secret mode); false in file mode. */
  hasTargets: boolean;
}

/** The CA state as last read from or written to the store: what this replica's leaf is issued from. */
export interface CaView {
  state: CaState;
  /** When the store last confirmed it (ms since the epoch). */
  confirmedAt: number;
}

export interface TargetReport {
  id: string;
  holdsAllTrusted: boolean;
}

/** What an attempt has read and decided so far. */
export interface Attempt {
  /** 1 for a cycle's first attempt; a lost race starts the next one. */
  number: number;
  /** The clock when the attempt began: decoding, planning and caBundle edits use it. */
  startedAt: Date;
  /** The document as last read or written: the version the next write is conditional on. */
  doc: VersionedDocument | undefined;
  state: CaState;
}

export interface TargetWrite {
  id: string;
  expected: string;
  next: string;
}

export type CaPhase =
  | { name: 'idle'; outcome?: 'done' | 'contended' | 'failed'; doc?: VersionedDocument | undefined }
  | { name: 'reading-state'; attemptNumber: number; startedAt: Date }
  | { name: 'adopting-published'; attempt: Attempt }
  | { name: 'issuing-next-ca'; attempt: Attempt }
  | { name: 'writing-plan'; attempt: Attempt }
  | { name: 'reading-targets'; attempt: Attempt }
  | { name: 'withdrawing'; attempt: Attempt; fields: CaBundleField[]; withdrawn: Planned }
  | { name: 'publishing'; attempt: Attempt; pending: TargetWrite[]; lost: boolean; addedNext: boolean }
  | { name: 'confirming'; attempt: Attempt; addedNext: boolean }
  | { name: 'writing-advance'; attempt: Attempt; advanced: Planned };

export interface CaMachine {
  phase: CaPhase;
  view?: CaView;
  /** A CA issued in an attempt that lost its write, kept for the next attempt while young. */
  spare?: CaEntry;
  /** The caBundle fields as last read back. */
  targets: TargetReport[];
}

export type CaEvent =
  | { type: 'cycle-requested' }
  | { type: 'state-read'; doc: VersionedDocument | undefined }
  | { type: 'targets-read'; fields: CaBundleField[] }
  | { type: 'ca-issued'; ca: CaEntry }
  | { type: 'state-written'; doc: VersionedDocument }
  /** The conditional write lost (409, AlreadyExists, 404): someone else wrote first. */
  | { type: 'state-write-lost' }
  /** ok false: the field's guard failed (someone else wrote it first). */
  | { type: 'target-written'; ok: boolean }
  | { type: 'effect-failed' };

export type CaEffect =
  | { type: 'read-state' }
  | { type: 'read-targets' }
  | { type: 'issue-ca'; now: Date }
  /** Replace at `version`, or create when there is none. */
  | { type: 'write-state'; data: Record<string, string>; version: string | undefined }
  | ({ type: 'write-target' } & TargetWrite);

export type CaReport =
  | { type: 'announce'; transition: Transition; ca: { cert: string; fingerprint: string } | undefined }
  | { type: 'state-damaged'; problems: string[] }
  | { type: 'restored-from-memory'; fingerprint: string }
  | { type: 'adopted-published'; fingerprints: string[] };

export interface CaStep {
  machine: CaMachine;
  reports: CaReport[];
  effect?: CaEffect;
}

export const initialCaMachine: CaMachine = { phase: { name: 'idle' }, targets: [] };

export function caStep(machine: CaMachine, event: CaEvent, now: Date, config: CaMachineConfig): CaStep {
  const phase = machine.phase;
  if (event.type === 'effect-failed') return rest(machine, { name: 'idle', outcome: 'failed' });
  switch (phase.name) {
    case 'idle':
      if (event.type === 'cycle-requested') return beginAttempt(machine, 1, now);
      break;
    case 'reading-state':
      if (event.type === 'state-read') return stateRead(machine, phase, event.doc, now, config);
      break;
    case 'adopting-published':
      if (event.type === 'targets-read') {
        const { state, adopted } = adoptPublished(phase.attempt, event.fields, config);
        const reports: CaReport[] = adopted.length > 0 ? [{ type: 'adopted-published', fingerprints: adopted }] : [];
        return withReports(reports, plan(machine, { ...phase.attempt, state }, now, config));
      }
      break;
    case 'issuing-next-ca':
      if (event.type === 'ca-issued') {
        const created = withNextCa(phase.attempt.state, event.ca);
        return withReports(announce(created), writePlan({ ...machine, spare: event.ca }, { ...phase.attempt, state: created.state }, now, config));
      }
      break;
    case 'writing-plan':
      if (event.type === 'state-written') return planConfirmed(machine, { ...phase.attempt, doc: event.doc }, now, config);
      if (event.type === 'state-write-lost') return lostRace(machine, phase.attempt, now);
      break;
    case 'reading-targets':
      if (event.type === 'targets-read') return targetsRead(machine, phase.attempt, event.fields, now, config);
      break;
    case 'withdrawing':
      if (event.type === 'state-written') {
        const state = phase.withdrawn.state;
        // The view follows, but is not newly confirmed: its time stays that of the plan's confirmation.
        const view = { state, confirmedAt: machine.view?.confirmedAt ?? now.getTime() };
        const attempt = { ...phase.attempt, doc: event.doc, state };
        return withReports(announce(phase.withdrawn), publish({ ...machine, view }, attempt, phase.fields, now, config));
      }
      if (event.type === 'state-write-lost') return lostRace(machine, phase.attempt, now);
      break;
    case 'publishing':
      if (event.type === 'target-written') {
        return nextTargetWrite(machine, { ...phase, pending: phase.pending.slice(1), lost: phase.lost || !event.ok }, now);
      }
      break;
    case 'confirming':
      if (event.type === 'targets-read') return confirmed(machine, phase.attempt, event.fields, phase.addedNext, now, config);
      break;
    case 'writing-advance':
      if (event.type === 'state-written') {
        return withReports(announce(phase.advanced), finish(machine, { ...phase.attempt, doc: event.doc, state: phase.advanced.state }, now));
      }
      if (event.type === 'state-write-lost') return lostRace(machine, phase.attempt, now);
      break;
  }
  throw new KadmitError('KADMIT_CERT_UNEXPECTED_EVENT', `CA loop: event ${event.type} in phase ${phase.name}`);
}

/** Delay before the next cycle: the next due point of the state held, at most the check interval. */
export function caWakeDelay(view: CaView | undefined, now: Date, config: CaMachineConfig): number {
  const points: number[] = [];
  const state = view?.state;
  if (state?.current && !state.next) points.push(renewalTime(state.current).getTime());
  if (state?.next?.publishedAt) points.push(state.next.publishedAt.getTime() + config.plan.graceMs);
  for (const r of state?.retired ?? []) points.push(r.dropAfter.getTime());
  return nextWake(points, now.getTime(), config.checkMs);
}

function rest(machine: CaMachine, phase: CaPhase & { name: 'idle' }): CaStep {
  return { machine: { ...machine, phase }, reports: [] };
}

function withReports(reports: CaReport[], step: CaStep): CaStep {
  return reports.length === 0 ? step : { ...step, reports: [...reports, ...step.reports] };
}

function awaiting(machine: CaMachine, phase: CaPhase, effect: CaEffect): CaStep {
  return { machine: { ...machine, phase }, reports: [], effect };
}

function writeState(doc: VersionedDocument | undefined, state: CaState): CaEffect {
  return { type: 'write-state', data: mergeCaStateInto(doc?.data ?? {}, state), version: doc?.version };
}

function changed(doc: VersionedDocument | undefined, state: CaState): boolean {
  return !sameData(mergeCaStateInto(doc?.data ?? {}, state), doc?.data);
}

function beginAttempt(machine: CaMachine, attemptNumber: number, now: Date): CaStep {
  return awaiting(machine, { name: 'reading-state', attemptNumber, startedAt: now }, { type: 'read-state' });
}

function lostRace(machine: CaMachine, attempt: Attempt, now: Date): CaStep {
  if (attempt.number < RACE_RETRIES) return beginAttempt(machine, attempt.number + 1, now);
  return rest(machine, { name: 'idle', outcome: 'contended' });
}

function announce(planned: Planned): CaReport[] {
  return planned.transitions.map((transition) => {
    const s = planned.state;
    const ca = transition === 'promoted' ? s.current : transition === 'dropped' ? undefined : s.next;
    return { type: 'announce', transition, ca: ca && { cert: ca.cert, fingerprint: ca.fingerprint } };
  });
}

function stateRead(machine: CaMachine, phase: CaPhase & { name: 'reading-state' }, doc: VersionedDocument | undefined, now: Date, config: CaMachineConfig): CaStep {
  const startedAt = phase.startedAt;
  const decoded = decodeCaState(doc?.data ?? {}, { now: startedAt, adoptRetiredForMs: config.plan.servingMs + config.plan.graceMs });
  const reports: CaReport[] = [];
  if (decoded.problems.length > 0 && doc) reports.push({ type: 'state-damaged', problems: decoded.problems });
  let state = decoded.state;
  const restored = state.current ? undefined : restoreFromMemory(state, machine.view, startedAt, config);
  if (restored) {
    reports.push({ type: 'restored-from-memory', fingerprint: restored.current.fingerprint });
    state = restored;
  }
  const attempt: Attempt = { number: phase.attemptNumber, startedAt, doc, state };
  if (!state.current && !state.next && config.hasTargets) {
    return withReports(reports, awaiting(machine, { name: 'adopting-published', attempt }, { type: 'read-targets' }));
  }
  return withReports(reports, plan(machine, attempt, now, config));
}

// The document lost its current CA (deleted, corrupted) but this replica
// still holds a recent copy: put it back rather than start a new CA, so no
// replica is left without a signer for the length of a grace period. Only
// a copy younger than a serving lifetime: its CAs cannot have been dropped
// from the caBundles yet (see the drop rule in ca-plan.ts).
function restoreFromMemory(s: CaState, view: CaView | undefined, now: Date, config: CaMachineConfig): (CaState & { current: CaEntry }) | undefined {
  const c = view?.state;
  if (!view || !c?.current || now.getTime() - view.confirmedAt > config.plan.servingMs || c.current.notAfter <= now) return undefined;
  const cur = c.current;
  if (s.dropped.some((d) => d.fingerprint === cur.fingerprint) || s.next?.fingerprint === cur.fingerprint) return undefined;
  const next = s.next ?? c.next;
  const taken = new Set([cur.fingerprint, next?.fingerprint]);
  const retired = [...s.retired, ...c.retired.filter((r) => !s.retired.some((x) => x.fingerprint === r.fingerprint))].filter(
    (r) => !taken.has(r.fingerprint),
  );
  return { ...s, current: cur, ...(next && { next }), retired };
}

// State lost (missing or corrupt): the kadmit CAs still in the caBundles
// stay trusted as retired, so leaves replicas serve keep verifying.
function adoptPublished(attempt: Attempt, fields: CaBundleField[], config: CaMachineConfig): { state: CaState; adopted: string[] } {
  const { state: s, startedAt: now } = attempt;
  const known = new Set([...trustedCas(s).map((c) => c.fingerprint), ...s.dropped.map((d) => d.fingerprint)]);
  const adopted: RetiredCa[] = ownCasIn(
    fields.map((f) => f.bundle),
    now,
  )
    .filter((x) => !known.has(x.fingerprint256))
    .map((x) => ({
      cert: x.toString(),
      fingerprint: x.fingerprint256,
      notAfter: x.validToDate,
      dropAfter: new Date(Math.min(x.validToDate.getTime(), now.getTime() + config.plan.servingMs + config.plan.graceMs)),
    }));
  return { state: { ...s, retired: [...s.retired, ...adopted] }, adopted: adopted.map((a) => a.fingerprint) };
}

// Transitions that need no targets, written before anything is published so
// that no caBundle ever holds a CA the state does not know.
function plan(machine: CaMachine, attempt: Attempt, now: Date, config: CaMachineConfig): CaStep {
  const startedAt = attempt.startedAt;
  const dropped = dropRetired(attempt.state, startedAt);
  const planned = { ...attempt, state: dropped.state };
  if (!needsNextCa(dropped.state, startedAt, config.plan)) return withReports(announce(dropped), writePlan(machine, planned, now, config));
  // A CA generated in an attempt that lost its write is used while young, so a
  // burst of conflicts does not cost a key each; taking it clears it.
  const young = Math.min(config.checkMs, config.lifetimes.caMs / 10);
  const spare = machine.spare;
  if (spare && startedAt.getTime() - spare.notBefore.getTime() - config.lifetimes.backdateMs < young) {
    const created = withNextCa(dropped.state, spare);
    const step = writePlan({ ...machine, spare: undefined }, { ...attempt, state: created.state }, now, config);
    return withReports([...announce(dropped), ...announce(created)], step);
  }
  return withReports(announce(dropped), awaiting(machine, { name: 'issuing-next-ca', attempt: planned }, { type: 'issue-ca', now: startedAt }));
}

function writePlan(machine: CaMachine, attempt: Attempt, now: Date, config: CaMachineConfig): CaStep {
  if (changed(attempt.doc, attempt.state)) return awaiting(machine, { name: 'writing-plan', attempt }, writeState(attempt.doc, attempt.state));
  return planConfirmed(machine, attempt, now, config);
}

function planConfirmed(machine: CaMachine, attempt: Attempt, now: Date, config: CaMachineConfig): CaStep {
  const spare = attempt.state.next?.fingerprint === machine.spare?.fingerprint ? undefined : machine.spare;
  const confirmedMachine = { ...machine, spare, view: { state: attempt.state, confirmedAt: now.getTime() } };
  if (!config.hasTargets) return publish(confirmedMachine, attempt, [], now, config);
  return awaiting(confirmedMachine, { name: 'reading-targets', attempt }, { type: 'read-targets' });
}

function targetsRead(machine: CaMachine, attempt: Attempt, fields: CaBundleField[], now: Date, config: CaMachineConfig): CaStep {
  const s = attempt.state;
  const nextFp = s.next?.fingerprint;
  // A target lost the published next CA (another writer reset it): record
  // that in the state BEFORE restoring it, so no replica can promote on the
  // old publication time even if our later writes fail.
  if (s.next?.publishedAt && nextFp && fields.some((f) => !bundleHolds(f.bundle, [nextFp]))) {
    const withdrawn = advanceWithTargets(s, now, { holdNext: false }, config.plan);
    return awaiting(machine, { name: 'withdrawing', attempt, fields, withdrawn }, writeState(attempt.doc, withdrawn.state));
  }
  return publish(machine, attempt, fields, now, config);
}

// Merges the trusted CAs into every caBundle field that lacks one (or holds a
// dropped one), then reads them all back. Without targets every field
// vacuously holds the next CA: in file mode the document is what clients read.
function publish(machine: CaMachine, attempt: Attempt, fields: CaBundleField[], now: Date, config: CaMachineConfig): CaStep {
  if (!config.hasTargets) return advance(machine, attempt, { holdNext: true, addedNext: false }, now, config);
  const s = attempt.state;
  const edit = { trusted: trustedCas(s), dropped: new Set(s.dropped.map((d) => d.fingerprint)), now: attempt.startedAt };
  const pending: TargetWrite[] = [];
  let addedNext = false;
  for (const f of fields) {
    const next = editBundle(f.bundle, edit);
    if (next === undefined) continue;
    if (s.next && !bundleHolds(f.bundle, [s.next.fingerprint])) addedNext = true;
    pending.push({ id: f.id, expected: f.bundle, next });
  }
  return nextTargetWrite(machine, { name: 'publishing', attempt, pending, lost: false, addedNext }, now);
}

function nextTargetWrite(machine: CaMachine, phase: CaPhase & { name: 'publishing' }, now: Date): CaStep {
  const write = phase.pending[0];
  if (write) return awaiting(machine, phase, { type: 'write-target', ...write });
  if (phase.lost) return lostRace(machine, phase.attempt, now);
  return awaiting(machine, { name: 'confirming', attempt: phase.attempt, addedNext: phase.addedNext }, { type: 'read-targets' });
}

function confirmed(machine: CaMachine, attempt: Attempt, back: CaBundleField[], addedNext: boolean, now: Date, config: CaMachineConfig): CaStep {
  const s = attempt.state;
  const all = trustedCas(s).map((c) => c.fingerprint);
  const targets = back.map((f) => ({ id: f.id, holdsAllTrusted: bundleHolds(f.bundle, all) }));
  const nextFp = s.next?.fingerprint;
  const holdNext = nextFp ? back.every((f) => bundleHolds(f.bundle, [nextFp])) : false;
  return advance({ ...machine, targets }, attempt, { holdNext, addedNext }, now, config);
}

// Transitions observed through the targets (published, promoted), written
// only when they change the document.
function advance(machine: CaMachine, attempt: Attempt, published: { holdNext: boolean; addedNext: boolean }, now: Date, config: CaMachineConfig): CaStep {
  const advanced = advanceWithTargets(attempt.state, now, published, config.plan);
  if (changed(attempt.doc, advanced.state)) {
    return awaiting(machine, { name: 'writing-advance', attempt, advanced }, writeState(attempt.doc, advanced.state));
  }
  return finish(machine, { ...attempt, state: advanced.state }, now);
}

function finish(machine: CaMachine, attempt: Attempt, now: Date): CaStep {
  const view = { state: attempt.state, confirmedAt: now.getTime() };
  return rest({ ...machine, view }, { name: 'idle', outcome: 'done', doc: attempt.doc });
}

function sameData(a: Record<string, string>, b: Record<string, string> | undefined): boolean {
  if (!b) return false;
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
