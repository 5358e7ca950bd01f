// Pools one after another (serve --watch): after a swap new reviews go to the new
// pool, the old one finishes what it holds and then closes, or is closed once its
// time is up with the reviews still held failed.
import t from 'tap';
import pino from 'pino';
import { WorkerPool } from '../../src/workers/pool.ts';
import { PoolGenerations } from '../../src/workers/generations.ts';
import { workerSetup } from '../../src/workers/protocol.ts';
import { loadWebhooks } from '../../src/webhooks/load.ts';
import { serveConfigSchema, type ServeConfig } from '../../src/config/options.ts';
import { fixtureWebhook } from '../helpers/server.ts';
import { review } from '../helpers/https-client.ts';
import { waitFor } from '../helpers/wait.ts';
import type { Webhook } from '../../src/model/webhook.ts';

const specs = [fixtureWebhook('misbehaving')];
const webhooks = (await loadWebhooks(specs, {})).map((l) => l.webhook);
const byPath = (path: string) => webhooks.find((w) => w.path === path) as Webhook;
const body = new TextEncoder().encode(JSON.stringify(review({})));
const ctx = () => ({ signal: new AbortController().signal, deadline: Date.now() + 10_000 });
const outcomeOf = (p: Promise<{ summary: { decision: string } }>) => p.then((o) => o.summary.decision, (e: Error) => e.message);

async function startedPool(): Promise<WorkerPool> {
  const config = serveConfigSchema.parse({ webhooks: specs, logLevel: 'silent' }) as ServeConfig;
  const pool = new WorkerPool({ size: 1, webhooks, setup: workerSetup(config), log: pino({ level: 'silent' }) });
  await pool.start();
  return pool;
}

t.test('after a swap new reviews go to the new pool; the old one finishes its review, then closes', async (t) => {
  const [old, next] = await Promise.all([startedPool(), startedPool()]);
  const pools = new PoolGenerations(old);
  t.teardown(() => pools.close());
  const held = outcomeOf(pools.execute(byPath('/overrun'), body, ctx())); // answers after 200 ms
  pools.swap(next);
  t.equal(pools.current, next);
  t.equal(pools.retiring, 1);
  const later = pools.execute(byPath('/overrun'), body, ctx());
  t.match({ old: old.stats().inFlight, next: next.stats().inFlight }, { old: 1, next: 1 }, 'one review on each pool');
  t.equal(await held, 'allowed', 'the review the old pool held is answered');
  t.equal((await later).summary.decision, 'allowed');
  t.ok(await waitFor(() => pools.retiring === 0, 5_000), 'the old pool retired');
  t.equal(await outcomeOf(old.execute(byPath('/quick'), body, ctx())), 'the worker pool is closed');
});

t.test('a swapped-out pool still holding a review past its time is closed; that review fails', async (t) => {
  const [old, next] = await Promise.all([startedPool(), startedPool()]);
  const pools = new PoolGenerations(old, { retireWithinMs: 50 });
  t.teardown(() => pools.close());
  const held = outcomeOf(pools.execute(byPath('/sleep'), body, ctx())); // answers only when aborted
  pools.swap(next);
  t.equal(await held, 'the worker pool closed');
  t.equal((await pools.execute(byPath('/quick'), body, ctx())).summary.decision, 'allowed', 'the new pool serves');
  await pools.close();
  t.throws(() => pools.swap(old), { code: 'KADMIT_POOL_CLOSED' }, 'no swap after close');
});
