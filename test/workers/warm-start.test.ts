// Workers started ahead (warm-start.ts): one given its setup by prepare() loads
// the webhooks before a pool takes it, and the pool then only hands it its shared
// memory; a pool whose setup differs from the prepared one gets a new thread.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { WarmWorkers } from '../../src/workers/warm-start.ts';
import { WorkerPool } from '../../src/workers/pool.ts';
import { workerSetup } from '../../src/workers/protocol.ts';
import { createThread, type CreateWorker } from '../../src/workers/worker-slot.ts';
import { loadWebhooks } from '../../src/webhooks/load.ts';
import { serveConfigSchema, type ServeConfig } from '../../src/config/options.ts';
import { fixtureWebhook } from '../helpers/server.ts';
import { review } from '../helpers/https-client.ts';
import { waitFor } from '../helpers/wait.ts';

type Tap = Pick<typeof t, 'teardown'>;
const configOf = (webhook: string, logLevel: string) => serveConfigSchema.parse({ webhooks: [webhook], logLevel }) as ServeConfig;
const body = new TextEncoder().encode(JSON.stringify(review({})));
const ctx = () => ({ signal: new AbortController().signal, deadline: Date.now() + 10_000 });

/** A WarmWorkers of one, counting the threads its fallback had to start. */
function warmOne(t: Tap) {
  const fallbacks: number[] = [];
  const fallback: CreateWorker = (setup, limits) => (fallbacks.push(1), createThread(setup, limits));
  const warm = new WarmWorkers({ count: 1, resourceLimits: undefined, fallback });
  warm.refill();
  t.teardown(() => warm.close());
  return { warm, fallbacks };
}

async function poolOf(t: Tap, config: ServeConfig, createWorker: CreateWorker) {
  const webhooks = (await loadWebhooks(config.webhooks, {})).map((l) => l.webhook);
  const pool = new WorkerPool({ size: 1, webhooks, setup: workerSetup(config), log: pino({ level: 'silent' }), createWorker });
  t.teardown(() => pool.close());
  // The stand-in boots once `othersAfter` settles: never here, so only the first worker is made.
  await pool.start(new Promise(() => undefined));
  return { pool, webhook: webhooks[0]! };
}

t.test('a prepared worker loads the webhooks before a pool takes it, and then serves', async (t) => {
  // boots-once counts its loads in worker threads and refuses a second one.
  const counter = join(t.testdir({ boots: '' }), 'boots');
  process.env['KADMIT_TEST_BOOT_COUNTER'] = counter;
  t.teardown(() => void delete process.env['KADMIT_TEST_BOOT_COUNTER']);
  const { warm, fallbacks } = warmOne(t);
  const config = configOf(fixtureWebhook('boots-once'), 'silent');
  warm.prepare(workerSetup(config));
  t.ok(await waitFor(() => readFileSync(counter, 'utf8') === '1', 15_000), 'the webhook module loaded in the waiting worker, with no pool yet');

  const { pool, webhook } = await poolOf(t, config, warm.createWorker);
  const outcome = await pool.execute(webhook, body, ctx());
  t.match(outcome, { kind: 'answered', response: { allowed: true } }, 'the prepared worker answers');
  t.same(fallbacks, [], 'no other thread was started');
  t.equal(readFileSync(counter, 'utf8'), '1', 'and the module was not loaded again');
});

t.test('a pool whose setup differs from the prepared one gets a new thread that loads its own', async (t) => {
  const { warm, fallbacks } = warmOne(t);
  warm.prepare(workerSetup(configOf(fixtureWebhook('logs-a-line'), 'silent')));
  const { pool, webhook } = await poolOf(t, configOf(fixtureWebhook('logs-a-line'), 'debug'), warm.createWorker);
  t.equal(fallbacks.length, 1, 'the prepared worker was not used');
  const outcome = await pool.execute(webhook, body, ctx());
  t.match(outcome, { kind: 'answered', response: { allowed: true } });
});

t.test('a worker not prepared gets its whole setup when a pool takes it', async (t) => {
  const { warm, fallbacks } = warmOne(t);
  const { pool, webhook } = await poolOf(t, configOf(fixtureWebhook('logs-a-line'), 'silent'), warm.createWorker);
  t.same(fallbacks, []);
  const outcome = await pool.execute(webhook, body, ctx());
  t.match(outcome, { kind: 'answered', response: { allowed: true } });
});
