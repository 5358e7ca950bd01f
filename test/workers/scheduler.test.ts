// Scheduling without threads or sockets: the rules of scheduler.ts, and the pool
// driven through stand-in workers whose every step the test takes by hand.
import t from 'tap';
import { EventEmitter } from 'node:events';
import pino from 'pino';
import { hasRoom, pickWorker, WaitingLine, type Capacity } from '../../src/workers/scheduler.ts';
import { WorkerPool } from '../../src/workers/pool.ts';
import type { WorkerLike } from '../../src/workers/worker-slot.ts';
import { SLOT_BASE, SLOTS, type ToWorker, type WorkerSetup } from '../../src/workers/protocol.ts';
import type { Webhook } from '../../src/model/webhook.ts';
import { workerSetup } from '../../src/workers/protocol.ts';
import { serveConfigSchema, type ServeConfig } from '../../src/config/options.ts';
import type { ReviewOutcome } from '../../src/model/outcome.ts';

const MB = 1024 * 1024;
const worker = (over: Partial<Capacity> = {}): Capacity => ({ accepting: true, jobCount: 0, freeSlots: 10, bytesInFlight: 0, ...over });

t.test('room: a free slot and the body budget; an empty worker takes any body', async (t) => {
  t.ok(hasRoom(worker(), 20 * MB, 8 * MB), 'one body over the budget runs alone');
  t.notOk(hasRoom(worker({ bytesInFlight: 1 }), 8 * MB, 8 * MB));
  t.ok(hasRoom(worker({ bytesInFlight: 2 * MB }), 6 * MB, 8 * MB));
  t.notOk(hasRoom(worker({ freeSlots: 0 }), 1, 8 * MB));
  t.notOk(hasRoom(worker({ accepting: false }), 1, 8 * MB));
  const a = worker({ jobCount: 3, bytesInFlight: 1 * MB });
  const b = worker({ jobCount: 1, bytesInFlight: 7 * MB });
  const c = worker({ jobCount: 1, bytesInFlight: 1 * MB });
  t.equal(pickWorker([a, b, c], 1024, 8 * MB), c, 'least loaded with room');
  t.equal(pickWorker([a, b, c], 7.5 * MB, 8 * MB), undefined, 'none has room');
});

t.test('the waiting line: oldest first, a job that fits nowhere keeps its place', async (t) => {
  const line = new WaitingLine<string>();
  for (const j of ['big', 'small-1', 'small-2']) line.push(j);
  const placed: string[] = [];
  line.serve((j) => (j === 'big' ? false : (placed.push(j), true)));
  t.same(placed, ['small-1', 'small-2']);
  t.equal(line.length, 1);
  line.push('later');
  line.serve((j) => (placed.push(j), true));
  t.same(placed, ['small-1', 'small-2', 'big', 'later']);
  t.notOk(line.remove('gone'), 'removing what is not waiting');
});

/** A worker thread stand-in: reviews wait until the test starts, finishes or kills them. */
class FakeWorker extends EventEmitter implements WorkerLike {
  static made: FakeWorker[] = [];
  readonly threadId = FakeWorker.made.length;
  readonly words: Int32Array;
  readonly reviews: Extract<ToWorker, { type: 'review' }>[] = [];
  constructor(setup: WorkerSetup) {
    super();
    this.words = new Int32Array(setup.shared);
    FakeWorker.made.push(this);
    setImmediate(() => this.emit('message', { type: 'ready', webhooks: ['w'] }));
  }
  postMessage(m: ToWorker): void {
    if (m.type === 'review') this.reviews.push(m);
    else if (m.type === 'reviews') this.reviews.push(...m.reviews);
  }
  /** Claims a review the way worker-main does. */
  start(id: number): void {
    const m = this.reviews.find((r) => r.id === id)!;
    Atomics.compareExchange(this.words, SLOT_BASE + m.slot, id, -id);
  }
  finish(id: number): void {
    const { slot } = this.reviews.find((r) => r.id === id)!;
    this.emit('message', { type: 'done', id, slot, outcome: { status: 200, body: `done ${id}`, summary: { decision: 'allowed', code: 200 } } });
  }
  die(code: number): void {
    this.emit('exit', code);
  }
  terminate(): Promise<number> {
    setImmediate(() => this.emit('exit', 1));
    return Promise.resolve(1);
  }
}

async function fakePool(t: { teardown(fn: () => unknown): void }, size: number): Promise<WorkerPool> {
  FakeWorker.made = [];
  const pool = new WorkerPool({
    size,
    webhooks: [{ name: 'w' } as Webhook],
    setup: { ...workerSetup(serveConfigSchema.parse({}) as ServeConfig), logLevel: 'silent' },
    log: pino({ level: 'silent' }),
    // The stand-ins have no heartbeat: never take them for stalled.
    stallAfterMs: 1e9,
    bodyBudgetBytes: 8 * MB,
    createWorker: (setup) => new FakeWorker(setup),
  });
  await pool.start();
  await new Promise((r) => setImmediate(r));
  t.teardown(() => pool.close());
  return pool;
}

function submit(pool: WorkerPool, bytes: number): { result: Promise<ReviewOutcome | Error>; settled: () => boolean } {
  let done = false;
  const ctx = { signal: new AbortController().signal, deadline: Date.now() + 60_000 };
  const result = pool.execute({ name: 'w' } as Webhook, new Uint8Array(bytes), ctx).then((o) => o, (e: Error) => e).finally(() => (done = true));
  return { result, settled: () => done };
}

const tick = () => new Promise((r) => setImmediate(r));
const ids = (w: FakeWorker) => w.reviews.map((r) => r.id);

t.test('a freed slot takes the next waiting review at once', async (t) => {
  const pool = await fakePool(t, 1);
  const [w] = FakeWorker.made;
  const first = submit(pool, 6 * MB);
  const second = submit(pool, 6 * MB);
  await tick(); // the reviews of a turn are posted together at its end
  t.equal(ids(w!).length, 1, 'the second body waits: the worker is at its budget');
  t.equal(pool.stats().inFlight, 2);
  w!.start(ids(w!)[0]!);
  w!.finish(ids(w!)[0]!);
  await tick();
  t.equal(ids(w!).length, 2, 'sent when the first answer came, in the same turn');
  await first.result;
  w!.start(ids(w!)[1]!);
  w!.finish(ids(w!)[1]!);
  t.match(await second.result, { body: /^done / });
});

t.test('with every slot taken, the next review goes out as soon as one answer comes', async (t) => {
  const pool = await fakePool(t, 1);
  const [w] = FakeWorker.made;
  const all = Array.from({ length: SLOTS }, () => submit(pool, 1));
  const extra = submit(pool, 1);
  await tick();
  t.equal(w!.reviews.length, SLOTS, 'one review waits: every slot is taken');
  w!.finish(w!.reviews[0]!.id);
  await tick();
  t.equal(w!.reviews.length, SLOTS + 1, 'sent with the answer that freed a slot');
  for (const r of w!.reviews.slice(1)) w!.finish(r.id);
  await Promise.all([...all, extra].map((s) => s.result));
});

t.test('a dying worker fails only the reviews it started; the others go to its replacement', async (t) => {
  const pool = await fakePool(t, 1);
  const [w, standIn] = FakeWorker.made;
  t.ok(standIn, 'the warm stand-in is up');
  const running = submit(pool, 1000);
  const queuedA = submit(pool, 1000);
  const queuedB = submit(pool, 1000);
  await tick();
  t.equal(ids(w!).length, 3);
  w!.start(ids(w!)[0]!);
  w!.die(7);
  t.match(await running.result, { code: 'KADMIT_WORKER_EXITED', message: /exited \(code 7\)/ });
  await tick();
  t.notOk(queuedA.settled() || queuedB.settled(), 'the reviews it had not started are not failed');
  t.equal(standIn!.reviews.length, 2, 'they went to the stand-in that took its place');
  for (const r of standIn!.reviews) {
    standIn!.start(r.id);
    standIn!.finish(r.id);
  }
  t.match(await queuedA.result, { body: /^done / });
  t.match(await queuedB.result, { body: /^done / });
  t.equal(pool.stats().replaced, 1);
});

t.test('with no worker to take them, the reviews of a dead worker wait for its replacement', async (t) => {
  const pool = await fakePool(t, 1);
  const [w, standIn] = FakeWorker.made;
  standIn!.die(1); // the stand-in goes first; a new one boots
  await tick();
  const queued = submit(pool, 1000);
  w!.die(7);
  t.notOk(queued.settled());
  await tick();
  await tick();
  const replacement = FakeWorker.made.find((f) => f.reviews.length > 0 && f !== w)!;
  t.ok(replacement, 'sent to a worker that became ready after the death');
  replacement.start(replacement.reviews[0]!.id);
  replacement.finish(replacement.reviews[0]!.id);
  t.match(await queued.result, { body: /^done / });
});
