// Lifetimes of seconds (kadmit serve --ca-lifetime 18s --serving-lifetime 6s)
// must rotate at 2/3 of their life, not at once: the default 5-minute backdate
// is part of the validity the renewal point is computed from, so it is capped
// at a tenth of the shorter lifetime unless a backdate is given.
import t from 'tap';
import { createCertRotator } from '../../src/certs/rotator.ts';
import { resolveLifetimes, DEFAULT_LIFETIMES } from '../../src/certs/types.ts';
import { CountingMetrics, FakeClock, MemoryBundleTargets, MemoryDocumentStore, RecordingSink } from './fakes.ts';
import { NS, SVC, silentLogger } from './support.ts';

t.test('the default backdate never exceeds a tenth of the shorter lifetime', async (t) => {
  t.equal(resolveLifetimes(undefined).backdateMs, DEFAULT_LIFETIMES.backdateMs, 'long lifetimes keep 5 minutes');
  t.equal(resolveLifetimes({ caMs: 18_000, servingMs: 6_000 }).backdateMs, 600);
  t.equal(resolveLifetimes({ servingMs: 60 * 60_000 }).backdateMs, DEFAULT_LIFETIMES.backdateMs);
  t.equal(resolveLifetimes({ caMs: 18_000, servingMs: 6_000, backdateMs: 60_000 }).backdateMs, 60_000, 'a given backdate is kept');
  t.throws(() => resolveLifetimes({ servingMs: 500 }), RangeError);
});

t.test('with lifetimes of seconds and no backdate given, nothing rotates before 2/3 of its life', async (t) => {
  const clock = new FakeClock();
  const metrics = new CountingMetrics();
  const sink = new RecordingSink();
  const store = new MemoryDocumentStore();
  const rotator = createCertRotator({
    store,
    targets: new MemoryBundleTargets(['validating/kadmit/0']),
    sink,
    serviceName: SVC,
    namespace: NS,
    lifetimes: { caMs: 18_000, servingMs: 6_000 },
    graceMs: 2_000,
    log: silentLogger(),
    metrics,
    clock: clock.now,
  });
  t.teardown(() => rotator.stop());
  await rotator.runOnce();
  t.same(metrics.rotations, { ca: 1, serving: 1 }, 'first CA and leaf');
  clock.advance(3_000); // half the leaf's life
  await rotator.runOnce();
  t.same(metrics.rotations, { ca: 1, serving: 1 }, 'half way through its life the leaf is kept');
  t.notOk(rotator.status().nextCa, 'and no next CA is started');
  t.equal(sink.updates.length, 1);
  clock.advance(1_500); // past 2/3 of the leaf's life
  await rotator.runOnce();
  t.same(metrics.rotations, { ca: 1, serving: 2 }, 'renewed past 2/3 of its life');
});
