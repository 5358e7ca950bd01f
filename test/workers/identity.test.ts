// Workers are checked by identity: a worker must announce the main thread's
// webhooks, by name and in order (reviews are sent by index into that list),
// before it is sent any work. Stand-in threads, no sockets.
import t from 'tap';
import { EventEmitter } from 'node:events';
import pino from 'pino';
import { WorkerPool } from '../../src/workers/pool.ts';
import { webhookListMismatch } from '../../src/workers/identity.ts';
import { workerSetup, type ToWorker } from '../../src/workers/protocol.ts';
import type { WorkerLike } from '../../src/workers/worker-slot.ts';
import type { Webhook } from '../../src/model/webhook.ts';
import { serveConfigSchema, type ServeConfig } from '../../src/config/options.ts';

t.test('the announced list must be the expected one, name by name and in order', async (t) => {
  t.equal(webhookListMismatch(['a', 'b'], ['a', 'b']), undefined);
  t.equal(webhookListMismatch([], []), undefined);
  t.equal(webhookListMismatch(['a', 'b'], ['b', 'a']), 'webhook 0 is "b" in the worker but "a" in the main thread', 'same names in another order');
  t.equal(webhookListMismatch(['a', 'b'], ['a', 'c']), 'webhook 1 is "c" in the worker but "b" in the main thread');
  t.equal(webhookListMismatch(['a', 'b'], ['a']), 'it loaded 1 webhooks, the main thread 2: "b" is missing');
  t.equal(webhookListMismatch(['a'], ['a', 'x']), 'it loaded 2 webhooks, the main thread 1: "x" is extra');
  t.equal(webhookListMismatch(['a'], undefined), 'it announced no list of webhook names');
  t.equal(webhookListMismatch(['a'], 'a'), 'it announced no list of webhook names');
  t.equal(webhookListMismatch(['a'], [7]), 'webhook 0 is 7 in the worker but "a" in the main thread', 'a name that is not a string');
  const long = webhookListMismatch(['a'], ['x'.repeat(10_000)])!;
  t.ok(long.length < 300, `a long name is cut (${long.length} characters)`);
  t.match(long, /truncated: 10002 characters in all/);
});

/** A worker thread stand-in that announces `names` as the webhooks it loaded. */
class AnnouncingWorker extends EventEmitter implements WorkerLike {
  readonly threadId: number;
  readonly sent: ToWorker[] = [];
  terminated = false;
  constructor(threadId: number, names: readonly string[]) {
    super();
    this.threadId = threadId;
    setImmediate(() => this.emit('message', { type: 'ready', webhooks: [...names] }));
  }
  postMessage(m: ToWorker): void {
    if (m.type === 'reviews') this.sent.push(...m.reviews);
    else this.sent.push(m);
  }
  terminate(): Promise<number> {
    this.terminated = true;
    setImmediate(() => this.emit('exit', 1));
    return Promise.resolve(1);
  }
}

function poolAnnouncing(lists: readonly (readonly string[])[], lines: Record<string, unknown>[] = []) {
  const made: AnnouncingWorker[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  const pool = new WorkerPool({
    size: 1,
    webhooks: [{ name: 'a' } as Webhook, { name: 'b' } as Webhook],
    setup: { ...workerSetup(serveConfigSchema.parse({}) as ServeConfig), logLevel: 'silent' },
    log,
    stallAfterMs: 1e9, // the stand-ins have no heartbeat
    createWorker: () => {
      const worker = new AnnouncingWorker(made.length, lists[Math.min(made.length, lists.length - 1)]!);
      made.push(worker);
      return worker;
    },
  });
  return { pool, made };
}

const tick = () => new Promise((r) => setImmediate(r));

t.test('a first worker that loaded other webhooks fails start-up, naming the difference', async (t) => {
  const { pool, made } = poolAnnouncing([['b', 'a']]);
  t.teardown(() => pool.close());
  await t.rejects(pool.start(), {
    code: 'KADMIT_WORKER_IDENTITY',
    message: 'review worker loaded other webhooks than the main thread: webhook 0 is "b" in the worker but "a" in the main thread',
  });
  t.ok(made[0]!.terminated, 'the worker is stopped');
  t.same(made[0]!.sent, [], 'and was sent nothing');
});

t.test('a later worker that loaded other webhooks is stopped before it takes work, and logged', async (t) => {
  const lines: Record<string, unknown>[] = [];
  const { pool, made } = poolAnnouncing([['a', 'b'], ['a']], lines);
  t.teardown(() => pool.close());
  await pool.start();
  await tick(); // the stand-in announces
  await tick(); // and exits when stopped
  const [first, standIn] = made;
  t.ok(standIn?.terminated, 'the stand-in with one webhook too few is stopped');
  t.equal(pool.stats().standInReady, false, 'it never stands in');
  t.match(lines.find((l) => l['msg'] === 'review worker refused'), { err: { code: 'KADMIT_WORKER_IDENTITY', message: /"b" is missing/ } });
  const answer = pool.execute({ name: 'b' } as Webhook, new Uint8Array(1), { signal: new AbortController().signal, deadline: Date.now() + 60_000 });
  await tick(); // posted at the end of the turn
  t.match(first!.sent, [{ type: 'review', webhook: 1 }], 'work goes to the worker whose list was checked, by its index there');
  t.same(standIn!.sent, []);
  void answer.catch(() => undefined); // failed by close()
});

t.test('a worker with the same list is ready and takes work by the checked index', async (t) => {
  const { pool, made } = poolAnnouncing([['a', 'b']]);
  t.teardown(() => pool.close());
  await pool.start();
  void pool.execute({ name: 'a' } as Webhook, new Uint8Array(1), { signal: new AbortController().signal, deadline: Date.now() + 60_000 }).catch(() => undefined);
  await tick();
  t.match(made[0]!.sent, [{ type: 'review', webhook: 0 }]);
});
