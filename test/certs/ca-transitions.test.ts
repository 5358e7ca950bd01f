// Each transition of the CA loop's state machine (src/certs/ca-machine.ts),
// stepped by hand with a fixed clock: no store, no timers, no sockets. The
// CAs are real (the machine decodes documents and edits caBundles) but made
// once, with small keys.
import t from 'tap';
import { bundleFingerprints } from '../../src/certs/bundle.ts';
import { RACE_RETRIES, caStep, caWakeDelay, initialCaMachine } from '../../src/certs/ca-machine.ts';
import type { CaEvent, CaMachine, CaMachineConfig, CaPhase, CaStep } from '../../src/certs/ca-machine.ts';
import { caEntry, encodeCaState } from '../../src/certs/ca-state.ts';
import type { CaEntry, CaState } from '../../src/certs/ca-state.ts';
import { issueCa } from '../../src/certs/issue.ts';
import { MIN_WAKE_MS } from '../../src/certs/wake.ts';
import { renewalTime } from '../../src/certs/renewal.ts';

const MIN = 60_000;
const T0 = new Date('2026-11-26T12:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const lifetimes = { caMs: 60 * MIN, servingMs: 9 * MIN, backdateMs: MIN };
const config: CaMachineConfig = { plan: { graceMs: 2 * MIN, servingMs: lifetimes.servingMs }, lifetimes, checkMs: 30_000, hasTargets: true };
const fileMode: CaMachineConfig = { ...config, hasTargets: false };

const issue = async (now: Date) => caEntry(await issueCa({ lifetimeMs: lifetimes.caMs, backdateMs: lifetimes.backdateMs, now, modulusLength: 1024 }));
const [caA, caB, caC] = await Promise.all([issue(T0), issue(T0), issue(T0)]) as [CaEntry, CaEntry, CaEntry];
const doc = (state: CaState, version = '7') => ({ data: encodeCaState(state), version });
const steady: CaState = { current: caA, retired: [], dropped: [] };
const pem = (...cas: CaEntry[]) => cas.map((c) => c.cert).join('');

function phaseOf(step: CaStep): CaPhase {
  return step.machine.phase;
}

/** Steps the machine through events, each at its own time; returns every step. */
function feed(machine: CaMachine, events: Array<[CaEvent, Date]>, cfg = config): CaStep[] {
  const steps: CaStep[] = [];
  let m = machine;
  for (const [event, now] of events) {
    const step = caStep(m, event, now, cfg);
    steps.push(step);
    m = step.machine;
  }
  return steps;
}

/** A machine paused in a phase, as the earlier steps would have left it. */
function readingState(machine: Partial<CaMachine> = {}, startedAt = T0): CaMachine {
  return { ...initialCaMachine, ...machine, phase: { name: 'reading-state', attemptNumber: 1, startedAt } };
}

t.test('idle, cycle-requested: attempt 1 reads the state', async (t) => {
  const step = caStep(initialCaMachine, { type: 'cycle-requested' }, T0, config);
  t.same(phaseOf(step), { name: 'reading-state', attemptNumber: 1, startedAt: T0 });
  t.same(step.effect, { type: 'read-state' });
  t.same(step.reports, []);
});

t.test('reading-state, nothing stored: the kadmit CAs in the caBundles are looked for first', async (t) => {
  const step = caStep(readingState(), { type: 'state-read', doc: undefined }, at(10), config);
  t.equal(phaseOf(step).name, 'adopting-published');
  t.same(step.effect, { type: 'read-targets' });
  t.same(step.reports, [], 'a missing document is no damage');
});

t.test('adopting-published: CAs found are trusted as retired; a next CA is issued', async (t) => {
  const [adopt] = feed(readingState(), [[{ type: 'state-read', doc: undefined }, T0]]);
  const step = caStep(adopt!.machine, { type: 'targets-read', fields: [{ id: 'v/0', bundle: pem(caA) }, { id: 'm/0', bundle: pem(caA) }] }, at(5), config);
  t.same(step.reports, [{ type: 'adopted-published', fingerprints: [caA.fingerprint] }]);
  t.same(step.effect, { type: 'issue-ca', now: T0 }, 'issued at the time the attempt began');
  const phase = phaseOf(step);
  t.equal(phase.name, 'issuing-next-ca');
  if (phase.name !== 'issuing-next-ca') return;
  t.same(phase.attempt.state.retired.map((r) => r.fingerprint), [caA.fingerprint]);
  t.same(phase.attempt.state.retired[0]!.dropAfter, at(lifetimes.servingMs + config.plan.graceMs), 'kept a serving lifetime and a grace period');

  const none = caStep(adopt!.machine, { type: 'targets-read', fields: [{ id: 'v/0', bundle: '' }] }, at(5), config);
  t.same(none.reports, [], 'nothing adopted, nothing said');
});

t.test('issuing-next-ca, ca-issued: announced, kept as the spare, written (created: no document yet)', async (t) => {
  const steps = feed(readingState(), [
    [{ type: 'state-read', doc: undefined }, T0],
    [{ type: 'targets-read', fields: [] }, T0],
    [{ type: 'ca-issued', ca: caA }, at(100)],
  ]);
  const step = steps[2]!;
  t.same(step.reports, [{ type: 'announce', transition: 'next-created', ca: { cert: caA.cert, fingerprint: caA.fingerprint } }]);
  t.equal(step.machine.spare, caA);
  t.equal(phaseOf(step).name, 'writing-plan');
  t.match(step.effect, { type: 'write-state', version: undefined });
  if (step.effect?.type !== 'write-state') return;
  t.same(bundleFingerprints(step.effect.data['next-ca.crt']!), [caA.fingerprint]);
});

t.test('writing-plan, state-written: the view is confirmed, the spare is spent, the targets are read', async (t) => {
  const steps = feed(readingState(), [
    [{ type: 'state-read', doc: undefined }, T0],
    [{ type: 'targets-read', fields: [] }, T0],
    [{ type: 'ca-issued', ca: caA }, T0],
    [{ type: 'state-written', doc: { data: {}, version: '1' } }, at(2_000)],
  ]);
  const step = steps[3]!;
  t.equal(step.machine.spare, undefined);
  t.equal(step.machine.view?.confirmedAt, at(2_000).getTime(), 'confirmed when the write came back');
  t.equal(step.machine.view?.state.next?.fingerprint, caA.fingerprint);
  t.equal(phaseOf(step).name, 'reading-targets');
  t.same(step.effect, { type: 'read-targets' });
});

t.test('a lost write starts the attempt over, up to the retry limit, then the cycle ends contended', async (t) => {
  const writing: CaMachine = { ...initialCaMachine, phase: { name: 'writing-plan', attempt: { number: 1, startedAt: T0, doc: undefined, state: steady } } };
  const again = caStep(writing, { type: 'state-write-lost' }, at(50), config);
  t.same(phaseOf(again), { name: 'reading-state', attemptNumber: 2, startedAt: at(50) }, 'a new attempt, at the new time');
  t.same(again.effect, { type: 'read-state' });
  const last: CaMachine = { ...writing, phase: { name: 'writing-plan', attempt: { number: RACE_RETRIES, startedAt: T0, doc: undefined, state: steady } } };
  const end = caStep(last, { type: 'state-write-lost' }, at(50), config);
  t.same(phaseOf(end), { name: 'idle', outcome: 'contended' });
  t.equal(end.effect, undefined);
});

t.test('reading-state, a steady state not due: nothing to write, the targets are read at once', async (t) => {
  const step = caStep(readingState(), { type: 'state-read', doc: doc(steady) }, at(10), config);
  t.same(step.reports, []);
  t.equal(phaseOf(step).name, 'reading-targets');
  t.equal(step.machine.view?.state.current?.fingerprint, caA.fingerprint);
  t.equal(step.machine.view?.confirmedAt, at(10).getTime());
});

t.test('reading-state, the current CA due: a next CA is needed; a young spare is used instead of issuing', async (t) => {
  const due = renewalTime(caA);
  const issuing = caStep(readingState({}, due), { type: 'state-read', doc: doc(steady) }, due, config);
  t.same(issuing.effect, { type: 'issue-ca', now: due });

  const youngSpare = { ...caB, notBefore: new Date(due.getTime() - lifetimes.backdateMs - 1_000) };
  const reused = caStep(readingState({ spare: youngSpare }, due), { type: 'state-read', doc: doc(steady) }, due, config);
  t.same(reused.reports.map((r) => r.type === 'announce' && r.transition), ['next-created']);
  t.equal(reused.machine.spare, undefined, 'taking the spare clears it');
  t.equal(phaseOf(reused).name, 'writing-plan');
  t.match(reused.effect, { type: 'write-state', version: '7' });

  const oldSpare = { ...caB, notBefore: new Date(due.getTime() - lifetimes.backdateMs - config.checkMs) };
  const fresh = caStep(readingState({ spare: oldSpare }, due), { type: 'state-read', doc: doc(steady) }, due, config);
  t.same(fresh.effect, { type: 'issue-ca', now: due }, 'a spare older than the check interval is not used');
});

t.test('reading-state, a retired CA past its drop time: dropped and remembered', async (t) => {
  const state: CaState = { ...steady, retired: [{ cert: caB.cert, fingerprint: caB.fingerprint, notAfter: caB.notAfter, dropAfter: at(MIN) }] };
  const step = caStep(readingState({}, at(MIN)), { type: 'state-read', doc: doc(state) }, at(MIN), config);
  t.same(step.reports, [{ type: 'announce', transition: 'dropped', ca: undefined }]);
  t.equal(phaseOf(step).name, 'writing-plan');
  if (step.effect?.type !== 'write-state') return t.fail('a write');
  t.match(step.effect.data['rotation.json'], caB.fingerprint, 'the drop is written');
  t.same(bundleFingerprints(step.effect.data['ca.crt']!), [caA.fingerprint]);
});

t.test('reading-state, a damaged document: reported; a recent view restores the current CA', async (t) => {
  const view = { state: steady, confirmedAt: T0.getTime() };
  const damaged = { data: { 'ca.crt': 'garbage', 'ca.key': 'junk', 'rotation.json': '{' }, version: '9' };
  const step = caStep(readingState({ view }, at(MIN)), { type: 'state-read', doc: damaged }, at(MIN), config);
  t.same(step.reports.map((r) => r.type), ['state-damaged', 'restored-from-memory']);
  t.match(step.reports[1], { fingerprint: caA.fingerprint });
  t.equal(phaseOf(step).name, 'writing-plan', 'the repair is written');

  const gone = caStep(readingState({ view }, at(MIN)), { type: 'state-read', doc: undefined }, at(MIN), config);
  t.same(gone.reports.map((r) => r.type), ['restored-from-memory'], 'a deleted document is restored too');

  const stale = { state: steady, confirmedAt: T0.getTime() - lifetimes.servingMs - 1 };
  const old = caStep(readingState({ view: stale }), { type: 'state-read', doc: undefined }, T0, config);
  t.equal(phaseOf(old).name, 'adopting-published', 'a view older than a serving lifetime is not restored');
});

t.test('reading-targets: the trusted CAs are merged into each field that lacks them, one write at a time', async (t) => {
  const reading = caStep(readingState(), { type: 'state-read', doc: doc(steady) }, T0, config).machine;
  const fields = [{ id: 'v/0', bundle: '' }, { id: 'm/0', bundle: pem(caA) }, { id: 'x/0', bundle: pem(caC) }];
  const step = caStep(reading, { type: 'targets-read', fields }, T0, config);
  const phase = phaseOf(step);
  t.equal(phase.name, 'publishing');
  if (phase.name !== 'publishing') return;
  t.same(phase.pending.map((w) => w.id), ['v/0', 'x/0'], 'a field already holding them is left alone');
  t.match(step.effect, { type: 'write-target', id: 'v/0', expected: '' });
  t.same(bundleFingerprints(phase.pending[1]!.next), [caC.fingerprint, caA.fingerprint], 'what others put there stays');

  const second = caStep(step.machine, { type: 'target-written', ok: true }, T0, config);
  t.match(second.effect, { type: 'write-target', id: 'x/0' });
  const done = caStep(second.machine, { type: 'target-written', ok: true }, T0, config);
  t.equal(phaseOf(done).name, 'confirming');
  t.same(done.effect, { type: 'read-targets' }, 'then every field is read back');

  const lost = caStep(second.machine, { type: 'target-written', ok: false }, at(3), config);
  t.same(phaseOf(lost), { name: 'reading-state', attemptNumber: 2, startedAt: at(3) }, 'a failed guard is a lost race');
});

t.test('confirming: read back; a first CA is published and promoted at once, written, and the cycle is done', async (t) => {
  const fresh: CaState = { next: caA, retired: [], dropped: [] };
  const confirming: CaMachine = { ...initialCaMachine, view: { state: fresh, confirmedAt: 0 }, phase: { name: 'confirming', attempt: { number: 1, startedAt: T0, doc: doc(fresh), state: fresh }, addedNext: true } };
  const step = caStep(confirming, { type: 'targets-read', fields: [{ id: 'v/0', bundle: pem(caA) }, { id: 'm/0', bundle: '' }] }, at(20), config);
  t.same(step.machine.targets, [{ id: 'v/0', holdsAllTrusted: true }, { id: 'm/0', holdsAllTrusted: false }]);
  t.equal(phaseOf(step).name, 'idle', 'not every field holds it: nothing to advance');

  const held = caStep(confirming, { type: 'targets-read', fields: [{ id: 'v/0', bundle: pem(caA) }] }, at(20), config);
  const phase = phaseOf(held);
  t.equal(phase.name, 'writing-advance');
  if (phase.name !== 'writing-advance') return;
  t.same(phase.advanced.transitions, ['published', 'promoted'], 'nothing relies on an older CA at first install: no grace');
  const end = caStep(held.machine, { type: 'state-written', doc: { data: {}, version: '3' } }, at(30), config);
  t.same(end.reports.map((r) => r.type === 'announce' && r.transition), ['published', 'promoted']);
  t.same(phaseOf(end), { name: 'idle', outcome: 'done', doc: { data: {}, version: '3' } });
  t.equal(end.machine.view?.state.current?.fingerprint, caA.fingerprint);
  t.equal(end.machine.view?.confirmedAt, at(30).getTime());
});

t.test('confirming, a next CA held everywhere: published now, promoted only after the grace period', async (t) => {
  const rolling: CaState = { ...steady, next: caB };
  const confirming = (state: CaState): CaMachine => ({ ...initialCaMachine, phase: { name: 'confirming', attempt: { number: 1, startedAt: T0, doc: doc(state), state }, addedNext: false } });
  const fields = [{ id: 'v/0', bundle: pem(caA, caB) }];
  const published = caStep(confirming(rolling), { type: 'targets-read', fields }, T0, config);
  t.match(phaseOf(published), { name: 'writing-advance', advanced: { transitions: ['published'] } });

  const since = { ...rolling, next: { ...caB, publishedAt: T0 } };
  const early = caStep(confirming(since), { type: 'targets-read', fields }, at(config.plan.graceMs - 1), config);
  t.same(phaseOf(early), { name: 'idle', outcome: 'done', doc: doc(since) }, 'inside the grace period nothing changes');
  const due = caStep(confirming(since), { type: 'targets-read', fields }, at(config.plan.graceMs), config);
  t.match(phaseOf(due), { name: 'writing-advance', advanced: { transitions: ['promoted'] } });
});

t.test('reading-targets, a field lost the published next CA: the publication is withdrawn before the restore', async (t) => {
  const published: CaState = { ...steady, next: { ...caB, publishedAt: T0 } };
  const view = { state: published, confirmedAt: at(1).getTime() };
  const reading: CaMachine = { ...initialCaMachine, view, phase: { name: 'reading-targets', attempt: { number: 1, startedAt: at(1), doc: doc(published), state: published } } };
  const fields = [{ id: 'v/0', bundle: pem(caA, caB) }, { id: 'm/0', bundle: pem(caA) }];
  const step = caStep(reading, { type: 'targets-read', fields }, at(2), config);
  t.equal(phaseOf(step).name, 'withdrawing');
  if (step.effect?.type !== 'write-state') return t.fail('a write');
  t.notMatch(step.effect.data['rotation.json'], 'publishedAt', 'written without the publication time');
  t.equal(step.effect.version, '7');

  const written = caStep(step.machine, { type: 'state-written', doc: { data: step.effect.data, version: '8' } }, at(3), config);
  t.same(written.reports.map((r) => r.type === 'announce' && r.transition), ['unpublished']);
  t.equal(written.machine.view?.state.next?.publishedAt, undefined);
  t.equal(written.machine.view?.confirmedAt, at(1).getTime(), 'the view follows, its confirmation time does not');
  t.match(written.effect, { type: 'write-target', id: 'm/0', expected: pem(caA) }, 'then the field is restored');
});

t.test('file mode: no targets; the document is the publication', async (t) => {
  const step = caStep(readingState(), { type: 'state-read', doc: undefined }, T0, fileMode);
  t.same(step.effect, { type: 'issue-ca', now: T0 }, 'nothing to adopt from');
  const steps = feed(step.machine, [
    [{ type: 'ca-issued', ca: caA }, T0],
    [{ type: 'state-written', doc: { data: {}, version: '1' } }, at(1)],
  ], fileMode);
  const confirmed = steps[1]!;
  t.equal(phaseOf(confirmed).name, 'writing-advance', 'published and promoted without reading any target');
  t.same(confirmed.machine.targets, []);
});

t.test('any effect that fails ends the cycle; what was confirmed is kept', async (t) => {
  const view = { state: steady, confirmedAt: 5 };
  const busy: CaMachine = { ...initialCaMachine, view, phase: { name: 'reading-targets', attempt: { number: 1, startedAt: T0, doc: undefined, state: steady } } };
  const step = caStep(busy, { type: 'effect-failed' }, T0, config);
  t.same(phaseOf(step), { name: 'idle', outcome: 'failed' });
  t.equal(step.machine.view, view);
  t.same(caStep(step.machine, { type: 'cycle-requested' }, T0, config).effect, { type: 'read-state' }, 'and the next one can start');
});

t.test('an event the phase does not expect is a bug, named', async (t) => {
  t.throws(() => caStep(initialCaMachine, { type: 'state-read', doc: undefined }, T0, config), { code: 'KADMIT_CERT_UNEXPECTED_EVENT', message: /state-read in phase idle/ });
  t.throws(() => caStep(readingState(), { type: 'cycle-requested' }, T0, config), { code: 'KADMIT_CERT_UNEXPECTED_EVENT' });
});

t.test('the next wake-up: the earliest due point of the state held, within the check interval', async (t) => {
  t.equal(caWakeDelay(undefined, T0, config), config.checkMs, 'nothing held: the check interval');
  const renewAt = renewalTime(caA).getTime();
  t.equal(caWakeDelay({ state: steady, confirmedAt: 0 }, new Date(renewAt - 10_000), config), 10_000, 'the current CA due');
  t.equal(caWakeDelay({ state: steady, confirmedAt: 0 }, new Date(renewAt - 5 * MIN), config), config.checkMs, 'capped');
  t.equal(caWakeDelay({ state: steady, confirmedAt: 0 }, new Date(renewAt - 50), config), MIN_WAKE_MS, 'never sooner than the floor');
  const published = { ...steady, next: { ...caB, publishedAt: T0 } };
  t.equal(caWakeDelay({ state: published, confirmedAt: 0 }, at(config.plan.graceMs - 20_000), config), 20_000, 'the end of the grace period');
  const retiring = { ...steady, retired: [{ cert: caB.cert, fingerprint: caB.fingerprint, notAfter: caB.notAfter, dropAfter: at(15_000) }] };
  t.equal(caWakeDelay({ state: retiring, confirmedAt: 0 }, T0, config), 15_000, 'a drop time');
});
