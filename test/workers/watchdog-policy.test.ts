// The watchdog's policy (src/workers/watchdog.ts) on real WorkerSlots over
// stand-in threads, with the clock in the test's hands: each round is run at a
// time the test picks, and the heartbeat moves only when the test beats it.
import t from 'tap';
import { EventEmitter } from 'node:events';
import { WorkerSlot, type Job, type WorkerLike } from '../../src/workers/worker-slot.ts';
import { HEARTBEAT, SLOT_BASE, workerSetup } from '../../src/workers/protocol.ts';
import { isBlocked, watchdogTick, type WatchdogHost, type WatchdogTimes } from '../../src/workers/watchdog.ts';
import { serveConfigSchema, type ServeConfig } from '../../src/config/options.ts';

const times: WatchdogTimes = { stallAfterMs: 50, replaceAfterMs: 250 };
const MB = 1024 * 1024;

class Thread extends EventEmitter implements WorkerLike {
  readonly threadId = 0;
  postMessage(): void {}
  terminate(): Promise<number> {
    return Promise.resolve(0);
  }
}

const setup = { ...workerSetup(serveConfigSchema.parse({}) as ServeConfig), logLevel: 'silent' };

function worker(): WorkerSlot {
  const slot = new WorkerSlot(setup, () => new Thread(), undefined, []);
  slot.isReady = true;
  return slot;
}

const beat = (w: WorkerSlot) => Atomics.add(w.words, HEARTBEAT, 1);

let nextId = 1;
/** Hands `w` a review due at `deadline` (an empty body buys no time); `started` marks it taken the way worker-main does. */
function hold(w: WorkerSlot, deadline: number, started: boolean, bytes = 0): Job {
  const job: Job = { id: nextId++, webhook: 0, body: new Uint8Array(bytes), deadline, slot: -1, resolve: () => {}, reject: () => {}, ctx: { signal: new AbortController().signal, deadline }, onAbort: () => {} } as Job;
  w.send(job);
  if (started) Atomics.store(w.words, SLOT_BASE + job.slot, -job.id);
  return job;
}

/** A pool stand-in that records what the watchdog asks of it. */
function host(serving: WorkerSlot[], standIn?: WorkerSlot, benched: WorkerSlot[] = []) {
  const steps: string[] = [];
  const name = (w: WorkerSlot) => (w === standIn ? 'stand-in' : serving.includes(w) ? `serving-${serving.indexOf(w)}` : `benched-${benched.indexOf(w)}`);
  const h: WatchdogHost<WorkerSlot> = {
    serving: () => serving,
    standIn: () => standIn,
    benched: () => benched,
    standInUsable: () => standIn !== undefined && standIn.isReady && !standIn.dead && !standIn.stalled,
    flushWaiting: () => steps.push('flush'),
    requeue: (jobs) => steps.push(`requeue ${jobs.length}`),
    bench: (w) => steps.push(`bench ${name(w)}`),
    unbench: (w) => steps.push(`unbench ${name(w)}`),
    replaceBlocked: (w) => steps.push(`replace ${name(w)}`),
  };
  return { h, steps };
}

t.test('a worker whose heartbeat moves is left alone', async (t) => {
  const w = worker();
  const { h, steps } = host([w]);
  for (const now of [0, 100, 200, 300]) {
    beat(w);
    watchdogTick(h, times, now);
  }
  t.notOk(w.stalled);
  t.same(steps, []);
});

t.test('silent for stallAfterMs: stalled, its queued reviews go elsewhere; recovered: the line is served', async (t) => {
  const w = worker();
  hold(w, 10_000, false);
  hold(w, 10_000, false);
  const { h, steps } = host([w]);
  watchdogTick(h, times, 0); // first look at the heartbeat
  watchdogTick(h, times, 1); // quiet from here
  watchdogTick(h, times, 50);
  t.notOk(w.stalled, 'not yet: silent 49 ms');
  watchdogTick(h, times, 51);
  t.ok(w.stalled, 'silent 50 ms');
  t.same(steps, ['requeue 2'], 'the two reviews it had not started are taken back');
  beat(w);
  watchdogTick(h, times, 60);
  t.notOk(w.stalled);
  t.same(steps, ['requeue 2', 'flush'], 'back in rotation: the waiting line is served');
});

t.test('a stalled worker running a review is benched when a stand-in is usable', async (t) => {
  const w = worker();
  const standIn = worker();
  hold(w, 10_000, true);
  const { h, steps } = host([w], standIn);
  for (const now of [0, 1, 60]) {
    beat(standIn);
    watchdogTick(h, times, now);
  }
  t.same(steps, ['requeue 0', 'bench serving-0']);
});

t.test('without a stand-in, a stalled worker is replaced only when silent past the allowance with a started review past its deadline', async (t) => {
  const w = worker();
  hold(w, 200, true);
  const { h, steps } = host([w]);
  watchdogTick(h, times, 0);
  watchdogTick(h, times, 1);
  watchdogTick(h, times, 100);
  t.same(steps, ['requeue 0'], 'stalled, but its review is within its deadline');
  watchdogTick(h, times, 250);
  t.notOk(steps.includes('replace serving-0'), 'past the deadline, silent 249 ms');
  watchdogTick(h, times, 251);
  t.equal(steps.at(-1), 'replace serving-0', 'silent 250 ms with a review past its deadline');
});

t.test('a review not yet started never makes a worker blocked', async (t) => {
  const w = worker();
  hold(w, 100, false);
  t.notOk(isBlocked(w, 10_000, times));
  const { h, steps } = host([w]);
  for (const now of [0, 1, 10_000]) watchdogTick(h, times, now);
  t.notOk(steps.some((s) => s.startsWith('replace')));
});

t.test('each MB a worker holds buys 150 ms of silence', async (t) => {
  const w = worker();
  hold(w, 0, true, 2 * MB);
  w.checkHeartbeat(0, times.stallAfterMs);
  w.checkHeartbeat(1, times.stallAfterMs); // quiet since 1
  t.notOk(isBlocked(w, 1 + 250 + 299, times), '2 MB: 250 + 300 ms');
  t.ok(isBlocked(w, 1 + 250 + 300, times));
});

t.test('a stand-in that blocks on a review it carried over is replaced', async (t) => {
  const w = worker();
  const standIn = worker();
  hold(standIn, 100, true);
  const { h, steps } = host([w], standIn);
  for (const now of [0, 1, 200, 251]) {
    beat(w);
    watchdogTick(h, times, now);
  }
  t.same(steps, ['replace stand-in']);
});

t.test('a benched worker: back as stand-in once its heartbeat moves, replaced if it stays blocked', async (t) => {
  const busy = worker();
  const blocked = worker();
  hold(busy, 100, true);
  hold(blocked, 100, true);
  // Benched workers are stalled ones: silent from 1 to 51.
  for (const w of [busy, blocked]) for (const now of [0, 1, 51]) w.checkHeartbeat(now, times.stallAfterMs);
  const { h, steps } = host([], undefined, [busy, blocked]);
  beat(busy);
  watchdogTick(h, times, 60);
  t.same(steps, ['unbench benched-0'], 'the one whose heartbeat moved');
  beat(busy);
  watchdogTick(h, times, 251);
  t.same(steps, ['unbench benched-0', 'unbench benched-0', 'replace benched-1']);
});

t.test('workers not ready or already dead are not judged', async (t) => {
  const booting = worker();
  booting.isReady = false;
  const dead = worker();
  dead.dead = true;
  hold(booting, 0, true);
  const { h, steps } = host([booting, dead]);
  for (const now of [0, 1, 10_000]) watchdogTick(h, times, now);
  t.same(steps, []);
  t.notOk(booting.stalled || dead.stalled);
});
