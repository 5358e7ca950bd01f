import { X509Certificate } from 'node:crypto';
import t from 'tap';
import { bundleFingerprints } from '../../src/certs/bundle.ts';
import { issueCa } from '../../src/certs/issue.ts';
import { createCertRotator } from '../../src/certs/rotator.ts';
import type { RotatorOptions } from '../../src/certs/rotator.ts';
import type { ServingMaterial } from '../../src/certs/types.ts';
import { verifyServing } from '../../src/certs/verify.ts';
import { CountingMetrics, FakeClock, MemoryBundleTargets, MemoryDocumentStore, RecordingSink } from './fakes.ts';
import { HOST, NS, SVC, silentLogger } from './support.ts';

const MIN = 60_000;
const lifetimes = { caMs: 60 * MIN, servingMs: 9 * MIN, backdateMs: MIN };
const graceMs = 2 * MIN;
// 1024-bit keys: the rotator generates four pairs per start (two used, two
// spares) and this file starts over a dozen; the key size is not under test here.
const shared = { serviceName: SVC, namespace: NS, lifetimes, graceMs, log: silentLogger(), modulusLength: 1024 };

function setup(extra: Partial<RotatorOptions> = {}) {
  const clock = new FakeClock();
  const store = new MemoryDocumentStore();
  const targets = new MemoryBundleTargets(['validating/kadmit/0', 'mutating/kadmit/0']);
  const sink = new RecordingSink();
  const metrics = new CountingMetrics();
  const rotator = createCertRotator({
    store,
    targets,
    sink,
    ...shared,
    metrics,
    clock: clock.now,
    ...extra,
  });
  return { clock, store, targets, sink, metrics, rotator };
}

const issuerOf = (m: ServingMaterial | undefined) => {
  if (!m) return undefined;
  const leaf = new X509Certificate(m.cert);
  return bundleFingerprints(m.ca).find((fp) => {
    const ca = new X509Certificate(m.ca.split(/(?=-----BEGIN)/).find((p) => new X509Certificate(p).fingerprint256 === fp)!);
    return leaf.checkIssued(ca) && leaf.verify(ca.publicKey);
  });
};

// The check a client (the apiserver) makes: trust exactly this bundle, verify the service name.
function trusts(bundle: string, m: ServingMaterial | undefined, now: Date): boolean {
  if (!m) return false;
  try {
    verifyServing({ cert: m.cert, key: m.key, ca: bundle, hosts: [HOST], now });
    return true;
  } catch {
    return false;
  }
}

t.test('first cycle: CA created, published, promoted, leaf served', async (t) => {
  const { clock, store, targets, sink, metrics, rotator } = setup();
  await rotator.runOnce();
  t.equal(sink.updates.length, 1);
  t.same(await rotator.ready(), sink.last);
  for (const [id, bundle] of targets.fields) t.ok(trusts(bundle, sink.last, clock.now()), `${id} trusts the served leaf`);
  t.ok(store.doc?.data['ca.key'], 'the CA key is in the state document');
  t.notOk(store.doc?.data['tls.key'], 'serving keys stay in memory (secret mode)');
  t.notOk(store.doc?.data['next-ca.crt'], 'fresh install: promoted at once');
  t.same(metrics.rotations, { ca: 1, serving: 1 });
  t.ok(metrics.notAfters.get('ca'));
  t.equal(metrics.notAfters.get('next-ca'), undefined);
  const status = rotator.status();
  t.equal(status.serving?.issuerFingerprint, status.ca?.fingerprint);
  t.same(status.targets.map((x) => x.holdsAllTrusted), [true, true]);

  await rotator.runOnce();
  t.equal(sink.updates.length, 1, 'a second cycle changes nothing');
  t.equal(store.writes, 2, 'no further writes');
});

t.test('serving renewal at 2/3 of its life, same CA', async (t) => {
  const { clock, sink, rotator } = setup();
  await rotator.runOnce();
  clock.advance(5 * MIN);
  await rotator.runOnce();
  t.equal(sink.updates.length, 1, 'not yet');
  clock.advance(1.5 * MIN); // 6.5 of 9+1 minutes (with the back-dating)
  await rotator.runOnce();
  t.equal(sink.updates.length, 2, 'renewed');
  t.equal(issuerOf(sink.updates[0]), issuerOf(sink.updates[1]));
  t.not(sink.updates[0]!.cert, sink.updates[1]!.cert);
});

t.test('running loops: a due leaf whose view of the CA state has aged past the grace period re-reads the state, then renews at 2/3', async (t) => {
  // Real time, lifetimes of seconds; the CA loop's own wake-ups are 30 s away,
  // so only the serving loop's request can make the state be read again.
  const { store, sink, rotator } = setup({ clock: () => new Date(), lifetimes: { caMs: 10 * MIN, servingMs: 4_500, backdateMs: 0 }, graceMs: 300, checkIntervalMs: 30_000 });
  t.teardown(() => rotator.stop());
  // The loops' timers are unref'd (the server holds the process); this one holds the test's.
  const renewed = new Promise<number>((resolve, reject) => {
    const hold = setTimeout(() => reject(new Error('no renewal within 15 s')), 15_000);
    sink.onUpdate = () => {
      if (sink.updates.length !== 2) return;
      clearTimeout(hold);
      resolve(store.reads);
    };
  });
  rotator.start();
  await rotator.ready();
  const readsAfterStart = store.reads;
  const first = new X509Certificate(sink.last!.cert);
  const readsAtRenewal = await renewed;
  t.ok(readsAtRenewal > readsAfterStart, `the state was read again before the renewal (${readsAfterStart} -> ${readsAtRenewal} reads)`);
  const second = new X509Certificate(sink.last!.cert);
  const validFrom = Date.parse(first.validFrom);
  const stalePoint = validFrom + 0.9 * (Date.parse(first.validTo) - validFrom);
  // Whole seconds in notBefore: the renewed leaf starts no later than the 9/10 point, which the old code waited for.
  t.ok(Date.parse(second.validFrom) < stalePoint, 'renewed before the stale-view point (9/10 of the life)');
});

t.test('CA rotation in phases: publish, confirm, grace, serve, drop', async (t) => {
  const { clock, store, targets, sink, metrics, rotator } = setup();
  const foreign = (await issueCa({ lifetimeMs: 600 * MIN, backdateMs: 0, commonName: 'someone-else', now: clock.now(), modulusLength: 1024 })).cert;
  targets.external('mutating/kadmit/0', foreign);
  await rotator.runOnce();
  const first = issuerOf(sink.last)!;

  // The CA is due at 2/3 of its 61 minutes.
  clock.advance(41 * MIN);
  await rotator.runOnce();
  const next = rotator.status().nextCa!;
  t.ok(next, 'a next CA exists');
  t.ok(next.publishedAt, 'and was confirmed in every target');
  for (const bundle of targets.fields.values()) t.same(bundleFingerprints(bundle).filter((f) => f !== bundleFingerprints(foreign)[0]), [first, next.fingerprint]);
  t.equal(issuerOf(sink.last), first, 'still serving from the current CA during the grace period');
  t.ok(store.doc?.data['next-ca.key']);

  clock.advance(graceMs - 1000);
  await rotator.runOnce();
  t.equal(issuerOf(sink.last), first, 'grace not over yet');
  clock.advance(1000);
  await rotator.runOnce();
  t.equal(issuerOf(sink.last), next.fingerprint, 'serving from the new CA');
  t.equal(metrics.rotations.ca, 2);
  const st = rotator.status();
  t.equal(st.ca?.fingerprint, next.fingerprint);
  t.same(st.retired.map((r) => r.fingerprint), [first]);
  for (const bundle of targets.fields.values()) t.ok(bundleFingerprints(bundle).includes(first), 'old CA still trusted');

  // A leaf of the old CA may be served until servingMs + grace after the promotion.
  clock.advance(lifetimes.servingMs + graceMs - 1000);
  await rotator.runOnce();
  for (const bundle of targets.fields.values()) t.ok(bundleFingerprints(bundle).includes(first), 'kept until the drop time');
  clock.advance(1000);
  await rotator.runOnce();
  for (const [id, bundle] of targets.fields) {
    t.notOk(bundleFingerprints(bundle).includes(first), `${id}: old CA dropped`);
    t.ok(trusts(bundle, sink.last, clock.now()), `${id}: still trusts the served leaf`);
  }
  t.ok(targets.fields.get('mutating/kadmit/0')!.includes(foreign.trim().split('\n')[1]!), 'the foreign CA was never removed');
  t.same(rotator.status().retired, []);
  t.match(store.doc?.data['rotation.json'], new RegExp(first), 'the drop is remembered');
});

t.test('a caBundle reset by another writer is restored, and the grace restarts', async (t) => {
  const { clock, targets, sink, rotator } = setup();
  await rotator.runOnce();
  targets.external('validating/kadmit/0', '');
  await rotator.runOnce();
  t.ok(trusts(targets.fields.get('validating/kadmit/0')!, sink.last, clock.now()), 'restored');

  clock.advance(41 * MIN);
  await rotator.runOnce(); // next published
  const publishedAt = rotator.status().nextCa!.publishedAt!;
  clock.advance(MIN);
  targets.external('validating/kadmit/0', '');
  await rotator.runOnce();
  const again = rotator.status().nextCa!.publishedAt!;
  t.ok(again > publishedAt, 'published again, later');
  clock.advance(graceMs - 1000);
  await rotator.runOnce();
  t.ok(rotator.status().nextCa, 'not promoted before a full grace after the restore');
  clock.advance(1000);
  await rotator.runOnce();
  t.notOk(rotator.status().nextCa, 'promoted');
});

t.test('replicas sharing the state converge on one CA', async (t) => {
  const a = setup();
  const b = createCertRotator({ store: a.store, targets: a.targets, sink: new RecordingSink(), ...shared, clock: a.clock.now });
  const c = createCertRotator({ store: a.store, targets: a.targets, sink: new RecordingSink(), ...shared, clock: a.clock.now });
  await Promise.all([a.rotator.runOnce(), b.runOnce(), c.runOnce()]);
  const cas = new Set([a.rotator, b, c].map((r) => r.status().ca?.fingerprint));
  t.equal(cas.size, 1, 'one CA');
  t.equal(bundleFingerprints(a.targets.fields.get('validating/kadmit/0')!).length, 1, 'one CA published');
  const serving = new Set([a.rotator, b, c].map((r) => r.status().serving?.fingerprint));
  t.equal(serving.size, 3, 'each replica has its own serving certificate');
});

const damages = {
  deleted: undefined,
  corrupt: { 'ca.crt': 'garbage', 'ca.key': 'junk', 'rotation.json': '{' },
};

t.test('the state document lost or corrupt: a replica that remembers it restores it', async (t) => {
  for (const [damage, data] of Object.entries(damages)) {
    const { clock, store, targets, sink, rotator } = setup();
    await rotator.runOnce();
    const before = rotator.status().ca!.fingerprint;
    store.external(data);
    clock.advance(MIN);
    await rotator.runOnce();
    t.equal(rotator.status().ca?.fingerprint, before, `${damage}: same CA`);
    t.notOk(rotator.status().nextCa, `${damage}: no new CA needed`);
    t.ok(store.doc?.data['ca.key'], `${damage}: document repaired`);
    for (const bundle of targets.fields.values()) t.ok(trusts(bundle, sink.last, clock.now()), `${damage}: still trusted`);
  }
});

t.test('the state document lost or corrupt, no replica remembers it: published CAs stay trusted, a new CA rolls out', async (t) => {
  for (const [damage, data] of Object.entries(damages)) {
    const { clock, store, targets, sink, rotator } = setup();
    await rotator.runOnce();
    const served = sink.last;
    const oldCa = issuerOf(served)!;
    store.external(data);
    clock.advance(MIN);
    // A replica that started after the damage.
    const sink2 = new RecordingSink();
    const fresh = createCertRotator({ store, targets, sink: sink2, ...shared, clock: clock.now });
    await fresh.runOnce();
    const st = fresh.status();
    t.notOk(st.ca, `${damage}: no current CA until the next one is promoted`);
    t.ok(st.nextCa?.publishedAt, `${damage}: a next CA is published`);
    t.same(st.retired.map((r) => r.fingerprint), [oldCa], `${damage}: the published CA was adopted`);
    t.equal(sink2.updates.length, 0, `${damage}: nothing to serve yet for the new replica`);
    for (const bundle of targets.fields.values()) t.ok(trusts(bundle, served, clock.now()), `${damage}: the old leaf is still trusted`);
    clock.advance(graceMs);
    await fresh.runOnce();
    await rotator.runOnce();
    t.equal(issuerOf(sink2.last), st.nextCa!.fingerprint, `${damage}: the new replica serves from the new CA after the grace`);
    t.equal(issuerOf(sink.last), st.nextCa!.fingerprint, `${damage}: so does the old one`);
    for (const bundle of targets.fields.values()) t.ok(trusts(bundle, sink.last, clock.now()));
  }
});

t.test('outages: errors are counted, serving continues, the cycle recovers', async (t) => {
  const { clock, store, targets, sink, metrics, rotator } = setup();
  await rotator.runOnce();
  const served = sink.last;
  store.faults.push({ op: 'read', fault: 'error' }, { op: 'read', fault: 'error' });
  clock.advance(7 * MIN); // the leaf is due, but the view of the CA state is stale
  await t.rejects(rotator.runOnce(), /injected 500/);
  t.equal(metrics.errors.get('read-state'), 1);
  t.equal(sink.last, served, 'a stale view keeps the good leaf rather than issue from a CA that may be retired');
  t.equal(rotator.status().lastError?.operation, 'read-state');
  clock.advance(1.5 * MIN); // past 9/10 of the leaf's life
  await t.rejects(rotator.runOnce(), /injected 500/);
  t.not(sink.last?.cert, served?.cert, 'near its end the leaf is renewed from the last known CA');

  targets.chaos = () => 'error';
  clock.advance(35 * MIN); // CA due: next created, but publishing fails
  await t.rejects(rotator.runOnce(), /targets/);
  t.ok(rotator.status().nextCa && !rotator.status().nextCa!.publishedAt, 'next CA not published');
  clock.advance(graceMs * 2);
  await t.rejects(rotator.runOnce());
  t.ok(rotator.status().nextCa, 'never promoted while unconfirmed');
  targets.chaos = undefined;
  await rotator.runOnce();
  t.ok(rotator.status().nextCa?.publishedAt, 'published once the targets answer');

  store.faults.push({ op: 'replace', fault: 'conflict' });
  clock.advance(graceMs);
  await rotator.runOnce();
  t.notOk(rotator.status().nextCa, 'a 409 is re-read and retried within the cycle');
});

t.test('without targets (file mode) the document is the publication', async (t) => {
  const { clock, store, sink, rotator } = setup({ targets: undefined, persistServing: true });
  await rotator.runOnce();
  t.equal(store.doc?.data['tls.crt'], sink.last?.cert, 'serving pair persisted');
  t.ok(trusts(store.doc!.data['ca.crt']!, sink.last, clock.now()));
  clock.advance(41 * MIN);
  await rotator.runOnce();
  t.ok(rotator.status().nextCa?.publishedAt);
  t.equal(bundleFingerprints(store.doc!.data['ca.crt']!).length, 2, 'ca.crt holds both CAs during the rollover');
  clock.advance(graceMs);
  await rotator.runOnce();
  t.equal(store.doc?.data['tls.crt'], sink.last?.cert);
  t.ok(trusts(store.doc!.data['ca.crt']!, sink.last, clock.now()));
});

t.test('stop() settles ready() and the timer', async (t) => {
  const { rotator, store } = setup();
  store.chaos = () => 'error';
  rotator.start();
  await new Promise((r) => setTimeout(r, 20));
  await rotator.stop();
  await t.rejects(rotator.ready(), { code: 'KADMIT_CERT_STOPPED' });
});
