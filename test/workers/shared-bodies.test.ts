// Small review bodies are posted to workers in shared buffers lent for the
// review and reused once the worker has answered; no buffer is lent twice.
import t from 'tap';
import { EventEmitter } from 'node:events';
import { MAX_IDLE_BODY_BUFFERS, POOLED_BODY_BYTES, SharedBodies } from '../../src/workers/shared-bodies.ts';
import { WorkerSlot, type Job, type WorkerLike } from '../../src/workers/worker-slot.ts';
import { SLOT_BASE, type ToWorker, type WorkerSetup } from '../../src/workers/protocol.ts';
import type { ExecutionContext } from '../../src/admission/reviewer.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

t.test('a small body is lent as a shared copy; empty and large bodies are posted as they are', async (t) => {
  const bodies = new SharedBodies();
  const body = bytes('{"kind":"AdmissionReview"}');
  const lent = bodies.lend(body);
  t.ok(lent.buffer instanceof SharedArrayBuffer);
  t.same([...lent], [...body]);
  const empty = new Uint8Array(0);
  t.equal(bodies.lend(empty), empty);
  const large = new Uint8Array(POOLED_BODY_BYTES + 1);
  t.equal(bodies.lend(large), large);
});

t.test('a buffer given back is lent again; idle buffers are capped', async (t) => {
  const bodies = new SharedBodies();
  const first = bodies.lend(bytes('first'));
  bodies.giveBack(first, bytes('first'));
  const second = bodies.lend(bytes('second body'));
  t.equal(second.buffer, first.buffer, 'the same shared memory');
  t.equal(new TextDecoder().decode(second.slice()), 'second body');
  const body = bytes('x');
  const many = Array.from({ length: MAX_IDLE_BODY_BUFFERS + 5 }, () => bodies.lend(body));
  for (const lent of many) bodies.giveBack(lent, body);
  t.equal(bodies.idleBuffers, MAX_IDLE_BODY_BUFFERS);
  const large = new Uint8Array(POOLED_BODY_BYTES + 1);
  bodies.giveBack(large, large);
  t.equal(bodies.idleBuffers, MAX_IDLE_BODY_BUFFERS, 'a body posted as it is is not kept');
});

class FakeWorker extends EventEmitter implements WorkerLike {
  readonly threadId = 1;
  readonly reviews: Extract<ToWorker, { type: 'review' }>[] = [];
  words!: Int32Array;
  postMessage(m: ToWorker): void {
    if (m.type === 'review') this.reviews.push(m);
    else if (m.type === 'reviews') this.reviews.push(...m.reviews);
  }
  terminate(): Promise<number> {
    return Promise.resolve(1);
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

function slotWithFake(): { slot: WorkerSlot; fake: FakeWorker } {
  const fake = new FakeWorker();
  const slot = new WorkerSlot({} as Omit<WorkerSetup, 'shared'>, (setup) => {
    fake.words = new Int32Array(setup.shared);
    return fake;
  }, undefined, ['w']);
  return { slot, fake };
}

function job(id: number, body: Uint8Array): Job {
  return { id, webhook: 0, body, deadline: Date.now() + 10_000, slot: -1, resolve() {}, reject() {}, ctx: {} as ExecutionContext, onAbort() {} };
}

t.test('a worker slot reuses a lent buffer only after the worker answered or was never to start it', async (t) => {
  const { slot, fake } = slotWithFake();
  slot.send(job(1, bytes('review one')));
  slot.send(job(2, bytes('review two')));
  await tick(); // the reviews of a turn are posted together at its end
  const [one, two] = fake.reviews;
  t.not(one!.body.buffer, two!.body.buffer, 'two reviews in flight never share a buffer');
  t.equal(new TextDecoder().decode(one!.body.slice()), 'review one');
  slot.finish(1, one!.slot);
  slot.send(job(3, bytes('review three')));
  await tick();
  t.equal(fake.reviews[2]!.body.buffer, one!.body.buffer, 'the answered review\'s buffer is lent again');
  t.equal(new TextDecoder().decode(two!.body.slice()), 'review two', 'the one in flight is untouched');
  // Job 2 is taken back before the worker started it: its buffer is free too.
  t.same(slot.reclaimQueued().map((j) => j.id).sort(), [2, 3]);
  slot.send(job(4, bytes('four')));
  await tick();
  t.ok([one!.body.buffer, two!.body.buffer].includes(fake.reviews[3]!.body.buffer));
});

t.test('a dead worker\'s buffers are never lent again: it may still be reading them', async (t) => {
  const { slot, fake } = slotWithFake();
  slot.send(job(1, bytes('started')));
  await tick();
  Atomics.compareExchange(fake.words, SLOT_BASE + fake.reviews[0]!.slot, 1, -1);
  slot.dead = true;
  slot.finish(1, fake.reviews[0]!.slot);
  slot.dead = false;
  slot.send(job(2, bytes('next')));
  await tick();
  t.not(fake.reviews[1]!.body.buffer, fake.reviews[0]!.body.buffer);
});
