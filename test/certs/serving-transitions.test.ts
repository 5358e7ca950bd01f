// Each transition of the serving loop's state machine
// (src/certs/serving-machine.ts), stepped by hand with a fixed clock. The
// machine sees certificates only through their facts (dates, fingerprints),
// so plain stand-ins do: no keys, no store, no timers, no sockets.
import t from 'tap';
import type { CaView } from '../../src/certs/ca-machine.ts';
import type { CaEntry, CaState } from '../../src/certs/ca-state.ts';
import { SERVING_KEYS, initialServingMachine, servingStep, servingWakeDelay } from '../../src/certs/serving-machine.ts';
import type { Leaf, ServingMachine, ServingMachineConfig } from '../../src/certs/serving-machine.ts';
import { MIN_WAKE_MS } from '../../src/certs/wake.ts';

const MIN = 60_000;
const T0 = new Date('2026-11-26T12:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const config: ServingMachineConfig = { graceMs: 2 * MIN, checkMs: 30_000, persistServing: false };
const fileMode: ServingMachineConfig = { ...config, persistServing: true };

function ca(name: string, notAfterMs = 60 * MIN): CaEntry {
  return { cert: `${name}-cert\n`, key: `${name}-key`, fingerprint: name, notBefore: T0, notAfter: at(notAfterMs) };
}
const caA = ca('A');
const caB = ca('B');

/** A leaf of `issuer` valid from T0 for 9 minutes: due at 6, stale-due at 8.1. */
function leaf(name: string, issuer: CaEntry, lifeMs = 9 * MIN): Leaf {
  return {
    cert: `${name}-cert`,
    key: `${name}-key`,
    issuerFingerprint: issuer.fingerprint,
    facts: { subject: 'CN=kadmit', issuer: issuer.fingerprint, serialNumber: name, notBefore: T0, notAfter: at(lifeMs), fingerprint256: name, subjectAltName: 'DNS:kadmit.kadmit.svc' },
  };
}
const view = (state: CaState, confirmedAt = T0): CaView => ({ state, confirmedAt: confirmedAt.getTime() });
const steady: CaState = { current: caA, retired: [], dropped: [] };
const serving = (l: Leaf, extra: Partial<ServingMachine> = {}): ServingMachine => ({ ...initialServingMachine, leaf: l, ...extra });
const reportTypes = (step: { reports: Array<{ type: string }> }) => step.reports.map((r) => r.type);

t.test('tick without a CA view: nothing to do yet', async (t) => {
  const step = servingStep(initialServingMachine, { type: 'tick', view: undefined }, T0, config);
  t.same(step, { machine: initialServingMachine, reports: [] });
});

t.test('tick without a leaf: one is issued from the current CA, then served', async (t) => {
  const step = servingStep(initialServingMachine, { type: 'tick', view: view(steady) }, at(5), config);
  t.equal(step.machine.phase.name, 'issuing-leaf');
  t.same(step.effect, { type: 'issue-leaf', signer: caA, now: at(5) });

  const l = leaf('L1', caA);
  const issued = servingStep(step.machine, { type: 'leaf-issued', leaf: l }, at(900), config);
  t.equal(issued.machine.phase.name, 'idle');
  t.same(issued.reports, [
    { type: 'serve', material: { key: 'L1-key', cert: 'L1-cert', ca: 'A-cert\n' } },
    { type: 'expiries', ca: caA.notAfter, nextCa: undefined, serving: l.facts.notAfter },
  ]);
  t.equal(issued.machine.emitted?.cert, 'L1-cert');
  t.equal(issued.effect, undefined, 'nothing persisted outside file mode');
});

t.test('tick with a good leaf: nothing issued; served again only when the trusted CAs change', async (t) => {
  const l = leaf('L1', caA);
  const first = servingStep(serving(l), { type: 'tick', view: view(steady) }, at(MIN), config);
  t.same(reportTypes(first), ['serve', 'expiries']);
  const again = servingStep(first.machine, { type: 'tick', view: view(steady, at(MIN)) }, at(2 * MIN), config);
  t.same(reportTypes(again), ['expiries'], 'the same material is not handed over twice');
  const rolling = servingStep(again.machine, { type: 'tick', view: view({ ...steady, next: caB }, at(2 * MIN)) }, at(2 * MIN), config);
  t.same(rolling.reports[0], { type: 'serve', material: { key: 'L1-key', cert: 'L1-cert', ca: 'A-cert\nB-cert\n' } }, 'the next CA joins the bundle clients trust');
});

t.test('renewal: at 2/3 of the life, or at once for a leaf of another CA', async (t) => {
  const l = leaf('L1', caA);
  t.equal(servingStep(serving(l), { type: 'tick', view: view(steady, at(6 * MIN - 1)) }, at(6 * MIN - 1), config).effect, undefined, 'not yet');
  t.match(servingStep(serving(l), { type: 'tick', view: view(steady, at(6 * MIN)) }, at(6 * MIN), config).effect, { type: 'issue-leaf' }, 'due');
  const promoted = { ...steady, current: caB };
  t.match(servingStep(serving(l), { type: 'tick', view: view(promoted, at(MIN)) }, at(MIN), config).effect, { type: 'issue-leaf', signer: caB }, 'the signer changed');
  t.match(servingStep(serving(leaf('L0', caA, MIN)), { type: 'tick', view: view(steady, at(MIN)) }, at(MIN), config).effect, { type: 'issue-leaf' }, 'expired');
});

t.test('near the end of the CA: a leaf cut to the CA\'s life is not churned; an expired signer issues nothing', async (t) => {
  const shortCa = ca('S', 9 * MIN);
  const l = leaf('L1', shortCa);
  const state = { ...steady, current: shortCa };
  t.equal(servingStep(serving(l), { type: 'tick', view: view(state, at(7 * MIN)) }, at(7 * MIN), config).effect, undefined, 'past 2/3, but a new leaf would not last longer');
  const gone = servingStep(initialServingMachine, { type: 'tick', view: view({ ...steady, current: ca('E', MIN) }, at(2 * MIN)) }, at(2 * MIN), config);
  t.equal(gone.effect, undefined, 'issuing from an expired CA would give an expired leaf');
  t.same(reportTypes(gone), ['expiries']);
});

t.test('a stale view: the CA loop is asked once per leaf to refresh it; the leaf lasts to 9/10 of its life', async (t) => {
  const l = leaf('L1', caA);
  const stale = view(steady, T0); // confirmed at T0; the grace period is 2 minutes
  const due = servingStep(serving(l), { type: 'tick', view: stale }, at(6 * MIN), config);
  t.same(reportTypes(due), ['refresh-view', 'serve', 'expiries']);
  t.equal(due.effect, undefined, 'no leaf from a signer that may have been retired unseen');
  t.equal(due.machine.refreshAskedFor, l);
  const later = servingStep(due.machine, { type: 'tick', view: stale }, at(7 * MIN), config);
  t.same(reportTypes(later), ['expiries'], 'asked once: with the store down this is no loop');
  const end = servingStep(due.machine, { type: 'tick', view: stale }, at(8.1 * MIN), config);
  t.match(end.effect, { type: 'issue-leaf', signer: caA }, 'near its end the leaf is renewed from the last known CA');
});

t.test('file mode: a stored pair is checked before anything is issued', async (t) => {
  const stored = { data: { [SERVING_KEYS.cert]: 'S-cert', [SERVING_KEYS.key]: 'S-key' }, version: '4' };
  const start = servingStep({ ...initialServingMachine, stored }, { type: 'tick', view: view(steady) }, at(5), fileMode);
  t.equal(start.machine.phase.name, 'checking-stored-leaf');
  t.same(start.effect, { type: 'check-stored-leaf', cert: 'S-cert', key: 'S-key', caCert: caA.cert, now: at(5) });

  const good = { ...leaf('S', caA), cert: 'S-cert', key: 'S-key' };
  const reused = servingStep(start.machine, { type: 'stored-leaf-checked', leaf: good }, at(6), fileMode);
  t.equal(reused.machine.leaf, good);
  t.same(reportTypes(reused), ['serve', 'expiries']);
  t.equal(reused.effect, undefined, 'the document already holds it');

  const rejected = servingStep(start.machine, { type: 'stored-leaf-rejected' }, at(6), fileMode);
  t.match(rejected.effect, { type: 'issue-leaf', now: at(5) }, 'otherwise a new one, at the time the run began');
  t.equal(servingStep({ ...initialServingMachine, stored }, { type: 'tick', view: view(steady) }, at(5), config).machine.phase.name, 'issuing-leaf', 'outside file mode a stored pair is ignored');
});

t.test('file mode: a new pair is written into the document, conditionally', async (t) => {
  const stored = { data: { 'ca.crt': 'A-cert' }, version: '4' };
  const issuing = servingStep({ ...initialServingMachine, stored }, { type: 'tick', view: view(steady) }, T0, fileMode).machine;
  const l = leaf('L1', caA);
  const step = servingStep(issuing, { type: 'leaf-issued', leaf: l }, T0, fileMode);
  t.equal(step.machine.phase.name, 'persisting-leaf');
  t.same(step.effect, { type: 'write-leaf', data: { 'ca.crt': 'A-cert', [SERVING_KEYS.cert]: 'L1-cert', [SERVING_KEYS.key]: 'L1-key' }, version: '4' });
  t.same(reportTypes(step), ['serve', 'expiries'], 'served before it is written');

  const written = { data: { ...stored.data, [SERVING_KEYS.cert]: 'L1-cert', [SERVING_KEYS.key]: 'L1-key' }, version: '5' };
  const persisted = servingStep(step.machine, { type: 'leaf-persisted', doc: written }, T0, fileMode);
  t.same(persisted.machine.phase, { name: 'idle' });
  t.equal(persisted.machine.stored, written);
  const lost = servingStep(step.machine, { type: 'leaf-persist-lost' }, T0, fileMode);
  t.equal(lost.machine.stored, undefined, 'lost to another writer: the next CA cycle brings the version');
  const failed = servingStep(step.machine, { type: 'effect-failed' }, T0, fileMode);
  t.same(failed.machine.phase, { name: 'idle' });
  t.equal(failed.machine.stored, undefined, 'a failed write forgets the version too');
  t.equal(servingStep(issuing, { type: 'effect-failed' }, T0, fileMode).machine.stored, stored, 'a failed issue does not');
});

t.test('document-confirmed: taken in any phase, the phase goes on', async (t) => {
  const issuing = servingStep(initialServingMachine, { type: 'tick', view: view(steady) }, T0, fileMode).machine;
  const doc = { data: {}, version: '9' };
  const step = servingStep(issuing, { type: 'document-confirmed', doc }, T0, fileMode);
  t.same(step, { machine: { ...issuing, stored: doc }, reports: [] });
});

t.test('an event the phase does not expect is a bug, named', async (t) => {
  t.throws(() => servingStep(initialServingMachine, { type: 'leaf-issued', leaf: leaf('L', caA) }, T0, config), { code: 'KADMIT_CERT_UNEXPECTED_EVENT', message: /leaf-issued in phase idle/ });
});

t.test('the next wake-up: renewal point, stale-view renewal point, end of life', async (t) => {
  const l = leaf('L1', caA);
  t.equal(servingWakeDelay(undefined, T0, config), config.checkMs, 'no leaf: the check interval');
  t.equal(servingWakeDelay(l, at(6 * MIN - 5_000), config), 5_000, 'the renewal point (2/3)');
  t.equal(servingWakeDelay(l, at(8.1 * MIN - 7_000), config), 7_000, 'the stale-view point (9/10)');
  t.equal(servingWakeDelay(l, at(9 * MIN - 100), config), MIN_WAKE_MS, 'never sooner than the floor');
  t.equal(servingWakeDelay(l, at(MIN), config), config.checkMs, 'capped at the check interval');
});
