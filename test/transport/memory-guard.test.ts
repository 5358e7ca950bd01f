// The memory guard's decisions, with injected readings: no real memory
// pressure needed.
import t from 'tap';
import { MemoryGuard, shedThreshold, SHED_AT_SHARE } from '../../src/transport/memory-guard.ts';

const MiB = 1024 * 1024;

t.test('threshold: the option, else 85% of the cgroup limit, else none', async (t) => {
  t.equal(shedThreshold(300 * MiB, 512 * MiB), 300 * MiB);
  t.equal(shedThreshold(0, 512 * MiB), Math.floor(512 * MiB * SHED_AT_SHARE));
  t.equal(shedThreshold(0, undefined), undefined);
});

t.test('sheds while resident memory plus bodies in flight is over the threshold', async (t) => {
  let rss = 100 * MiB;
  let now = 0;
  const guard = new MemoryGuard({ shedAtBytes: 200 * MiB, rss: () => rss, now: () => now });
  const a = guard.admit(8 * MiB)!;
  t.ok(a, 'room');
  a.add(60 * MiB);
  t.equal(guard.admit(50 * MiB), undefined, '100 MiB resident + 60 in flight + 50 declared is over 200');
  const b = guard.admit(30 * MiB);
  t.ok(b, '100 + 60 + 30 fits under 200');
  b!.release();
  a.release();
  a.release(); // twice is once
  t.same(guard.stats(), { inFlightBytes: 0, inFlightRequests: 0, shedAtBytes: 200 * MiB });
  rss = 210 * MiB;
  t.ok(guard.admit(0), 'the resident reading is reused for 50 ms');
  now += 50;
  t.equal(guard.admit(0), undefined, 'then read again');
  t.ok(new MemoryGuard({ shedAtBytes: undefined, rss: () => 1e12 }).admit(1e9), 'no threshold: never sheds');
});

t.test('idle: nothing in flight and nothing new for a while', async (t) => {
  let now = 0;
  const guard = new MemoryGuard({ shedAtBytes: undefined, now: () => now });
  const ticket = guard.admit(0)!;
  now = 5_000;
  t.notOk(guard.idleFor(2_000), 'a request is in flight');
  ticket.release();
  t.ok(guard.idleFor(2_000));
  guard.admit(0)!.release();
  t.notOk(guard.idleFor(2_000), 'one just arrived');
});
