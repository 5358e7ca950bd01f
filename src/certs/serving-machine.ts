import type { CaView } from './ca-machine.ts';
import type { CaEntry } from './ca-state.ts';
import { trustedCas } from './ca-state.ts';
import { KadmitError } from '../errors.ts';
import { joinPem } from './pem.ts';
import type { VersionedDocument } from './ports.ts';
import { isDueForRenewal, renewalTime } from './renewal.ts';
import type { ServingMaterial } from './types.ts';
import type { CertificateFacts } from './verify.ts';
import { nextWake } from './wake.ts';

// One run of the serving loop as a state machine: servingStep(machine,
// event, now) is pure; the driver (rotator.ts) performs the effect a step
// asks for (check a stored pair, issue a leaf, write the pair) and feeds back
// what came of it. The loop only renews this replica's leaf from the CA state
// the CA loop last confirmed (its view), so a slow or failing API can never
// make the served leaf run out. A run:
//
//   idle ─tick(view)─> [checking-stored-leaf ─stored-leaf-checked|rejected─>]
//     [issuing-leaf ─leaf-issued─>] serve ─> [persisting-leaf ─leaf-persisted|lost─>] idle
//
// checking-stored-leaf: file mode at start, a pair kept in the document is
// reused when it verifies. issuing-leaf: no leaf, an expired one, one from
// another signer, or one due for renewal. serve: a pair that differs from the
// one last served goes to the sink. persisting-leaf: file mode keeps the pair
// in the document too.

export const SERVING_KEYS = Object.freeze({ cert: 'tls.crt', key: 'tls.key' });
/** Renewal point of a leaf while the CA state cannot be read. */
const STALE_RENEW_FRACTION = 0.9;

export interface ServingMachineConfig {
  /** A view older than this cannot be trusted to name the signer (a promotion may have happened unseen). */
  graceMs: number;
  checkMs: number;
  /** Keep the serving pair in the state document too (file mode: tls.crt, tls.key). */
  persistServing: boolean;
}

/** A serving pair this replica verified: against its signer and the names clients check. */
export interface Leaf {
  cert: string;
  key: string;
  facts: CertificateFacts;
  issuerFingerprint: string;
}

/** What a run works from: the CA view and the clock, as they were when it began. */
export interface Tick {
  view: CaView;
  now: Date;
}

export type ServingPhase =
  | { name: 'idle' }
  | { name: 'checking-stored-leaf'; tick: Tick }
  | { name: 'issuing-leaf'; tick: Tick }
  | { name: 'persisting-leaf' };

export interface ServingMachine {
  phase: ServingPhase;
  leaf?: Leaf;
  /** The material last handed to the sink. */
  emitted?: ServingMaterial;
  /** The state document as last seen (file mode): where the pair is kept, and its version. */
  stored?: VersionedDocument;
  /** The leaf for which a fresh view was last asked (once per leaf, so a store that is down is no loop). */
  refreshAskedFor?: Leaf;
}

export type ServingEvent =
  | { type: 'tick'; view: CaView | undefined }
  | { type: 'stored-leaf-checked'; leaf: Leaf }
  | { type: 'stored-leaf-rejected' }
  | { type: 'leaf-issued'; leaf: Leaf }
  | { type: 'leaf-persisted'; doc: VersionedDocument }
  | { type: 'leaf-persist-lost' }
  /** The CA loop completed a cycle on this document; accepted in any phase. */
  | { type: 'document-confirmed'; doc: VersionedDocument | undefined }
  | { type: 'effect-failed' };

export type ServingEffect =
  | { type: 'check-stored-leaf'; cert: string; key: string; caCert: string; now: Date }
  | { type: 'issue-leaf'; signer: CaEntry; now: Date }
  | { type: 'write-leaf'; data: Record<string, string>; version: string };

export type ServingReport =
  /** The leaf is due but the view is too old to trust its signer: read the CA state now. */
  | { type: 'refresh-view' }
  | { type: 'serve'; material: ServingMaterial }
  | { type: 'expiries'; ca: Date | undefined; nextCa: Date | undefined; serving: Date | undefined };

export interface ServingStep {
  machine: ServingMachine;
  reports: ServingReport[];
  effect?: ServingEffect;
}

export const initialServingMachine: ServingMachine = { phase: { name: 'idle' } };

export function servingStep(machine: ServingMachine, event: ServingEvent, now: Date, config: ServingMachineConfig): ServingStep {
  const phase = machine.phase;
  if (event.type === 'document-confirmed') return { machine: { ...machine, stored: event.doc }, reports: [] };
  if (event.type === 'effect-failed') {
    // A failed write of the pair: the version is unknown now; the next CA cycle brings it.
    const stored = phase.name === 'persisting-leaf' ? undefined : machine.stored;
    return rest({ ...machine, stored });
  }
  switch (phase.name) {
    case 'idle':
      if (event.type === 'tick') return tick(machine, event.view, now, config);
      break;
    case 'checking-stored-leaf':
      if (event.type === 'stored-leaf-checked') return issueIfDue({ ...machine, leaf: event.leaf }, phase.tick, config);
      if (event.type === 'stored-leaf-rejected') return issueIfDue(machine, phase.tick, config);
      break;
    case 'issuing-leaf':
      if (event.type === 'leaf-issued') return serve({ ...machine, leaf: event.leaf }, phase.tick, config);
      break;
    case 'persisting-leaf':
      if (event.type === 'leaf-persisted') return rest({ ...machine, stored: event.doc });
      // Lost to another writer: the next CA cycle brings the new version, and the pair is written then.
      if (event.type === 'leaf-persist-lost') return rest({ ...machine, stored: undefined });
      break;
  }
  throw new KadmitError('KADMIT_CERT_UNEXPECTED_EVENT', `serving loop: event ${event.type} in phase ${phase.name}`);
}

/** Delay before the next run: the leaf's renewal point, its stale-view renewal point or its end. */
export function servingWakeDelay(leaf: Leaf | undefined, now: Date, config: ServingMachineConfig): number {
  if (!leaf) return config.checkMs;
  const f = leaf.facts;
  return nextWake([renewalTime(f).getTime(), renewalTime(f, STALE_RENEW_FRACTION).getTime(), f.notAfter.getTime()], now.getTime(), config.checkMs);
}

function rest(machine: ServingMachine, reports: ServingReport[] = []): ServingStep {
  return { machine: { ...machine, phase: { name: 'idle' } }, reports };
}

function withReports(reports: ServingReport[], step: ServingStep): ServingStep {
  return reports.length === 0 ? step : { ...step, reports: [...reports, ...step.reports] };
}

// A leaf issued from the signer we know is safe only while no promotion can
// have happened unseen: the old CA stays trusted for a grace period after it.
function viewIsFresh(t: Tick, config: ServingMachineConfig): boolean {
  return t.now.getTime() - t.view.confirmedAt <= config.graceMs;
}

function tick(machine: ServingMachine, view: CaView | undefined, now: Date, config: ServingMachineConfig): ServingStep {
  if (!view) return rest(machine);
  const t = { view, now };
  const reports: ServingReport[] = [];
  let m = machine;
  // The leaf is due but the view is too old to trust its signer: read the
  // state first (the CA loop wakes this one when it ends). Asked once per
  // leaf, so with the store down this is not a loop; the leaf then lasts to
  // the stale point.
  if (m.leaf && m.refreshAskedFor !== m.leaf && !viewIsFresh(t, config) && isDueForRenewal(m.leaf.facts, now)) {
    m = { ...m, refreshAskedFor: m.leaf };
    reports.push({ type: 'refresh-view' });
  }
  const signer = view.state.current;
  const stored = config.persistServing ? m.stored?.data : undefined;
  const cert = stored?.[SERVING_KEYS.cert];
  const key = stored?.[SERVING_KEYS.key];
  if (!m.leaf && signer && cert && key) {
    const check: ServingEffect = { type: 'check-stored-leaf', cert, key, caCert: signer.cert, now };
    return { machine: { ...m, phase: { name: 'checking-stored-leaf', tick: t } }, reports, effect: check };
  }
  return withReports(reports, issueIfDue(m, t, config));
}

function issueIfDue(machine: ServingMachine, t: Tick, config: ServingMachineConfig): ServingStep {
  const signer = t.view.state.current;
  // (An expired signer can only appear in a stale cached state: issuing from
  // it would give an already expired leaf; wait for the state to move on.)
  if (signer && signer.notAfter > t.now && needsLeaf(machine.leaf, signer, t, config)) {
    return { machine: { ...machine, phase: { name: 'issuing-leaf', tick: t } }, reports: [], effect: { type: 'issue-leaf', signer, now: t.now } };
  }
  return serve(machine, t, config);
}

function needsLeaf(leaf: Leaf | undefined, signer: CaEntry, t: Tick, config: ServingMachineConfig): boolean {
  if (!leaf || leaf.facts.notAfter <= t.now) return true;
  // With a stale view of the state (store unreachable), the signer may have
  // been retired meanwhile: keep the leaf we have for as long as it is good.
  if (!viewIsFresh(t, config)) return isDueForRenewal(leaf.facts, t.now, STALE_RENEW_FRACTION);
  if (leaf.issuerFingerprint !== signer.fingerprint) return true;
  // Near the end of the CA's life leaves are cut to the CA's notAfter; a new
  // one from the same CA would not last longer, so do not churn keys.
  if (leaf.facts.notAfter >= signer.notAfter) return false;
  return isDueForRenewal(leaf.facts, t.now);
}

function serve(machine: ServingMachine, t: Tick, config: ServingMachineConfig): ServingStep {
  const { leaf } = machine;
  const state = t.view.state;
  const reports: ServingReport[] = [];
  let emitted = machine.emitted;
  if (leaf && leaf.facts.notAfter > t.now) {
    const material = { key: leaf.key, cert: leaf.cert, ca: joinPem(trustedCas(state).map((c) => c.cert)) };
    if (!emitted || emitted.cert !== material.cert || emitted.ca !== material.ca) {
      emitted = material;
      reports.push({ type: 'serve', material });
    }
  }
  reports.push({ type: 'expiries', ca: state.current?.notAfter, nextCa: state.next?.notAfter, serving: leaf?.facts.notAfter });
  const served = { ...machine, emitted };
  const doc = machine.stored;
  if (!config.persistServing || !leaf || !doc || (doc.data[SERVING_KEYS.cert] === leaf.cert && doc.data[SERVING_KEYS.key] === leaf.key)) {
    return rest(served, reports);
  }
  const data = { ...doc.data, [SERVING_KEYS.cert]: leaf.cert, [SERVING_KEYS.key]: leaf.key };
  return { machine: { ...served, phase: { name: 'persisting-leaf' } }, reports, effect: { type: 'write-leaf', data, version: doc.version } };
}
