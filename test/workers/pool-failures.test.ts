// The pool with real worker threads: a review waiting for a full worker is sent
// the moment a slot frees (it waited for an unrelated event before, past its
// deadline), and a handler that ends its worker takes down only its own review
// (before, all 20 reviews queued behind it on that worker failed too).
import t from 'tap';
import pino from 'pino';
import { WorkerPool } from '../../src/workers/pool.ts';
import { workerSetup, SLOTS } from '../../src/workers/protocol.ts';
import { loadWebhooks } from '../../src/webhooks/load.ts';
import { serveConfigSchema, type ServeConfig } from '../../src/config/options.ts';
import { fixtureWebhook } from '../helpers/server.ts';
import { review } from '../helpers/https-client.ts';
import type { Webhook } from '../../src/model/webhook.ts';

const specs = [fixtureWebhook('misbehaving'), fixtureWebhook('hostile-handlers')];
const webhooks = (await loadWebhooks(specs, {})).map((l) => l.webhook);
const byPath = (path: string) => webhooks.find((w) => w.path === path) as Webhook;
const body = new TextEncoder().encode(JSON.stringify(review({})));
const ctx = () => ({ signal: new AbortController().signal, deadline: Date.now() + 10_000 });

async function pool(t: { teardown(fn: () => unknown): void }): Promise<WorkerPool> {
  const config = serveConfigSchema.parse({ webhooks: specs, logLevel: 'silent' }) as ServeConfig;
  const p = new WorkerPool({ size: 1, webhooks, setup: workerSetup(config), log: pino({ level: 'silent' }) });
  await p.start();
  t.teardown(() => p.close());
  return p;
}

t.test('a review waiting for a full worker goes out when a slot frees', async (t) => {
  const p = await pool(t);
  // Every slot holds a handler that answers after 200 ms.
  const busy = Array.from({ length: SLOTS }, () => p.execute(byPath('/overrun'), body, ctx()));
  const started = performance.now();
  const waiting = await p.execute(byPath('/quick'), body, ctx());
  const tookMs = performance.now() - started;
  t.equal(waiting.summary.decision, 'allowed');
  t.ok(tookMs < 5_000, `answered ${Math.round(tookMs)} ms later, with the first freed slot`);
  await Promise.all(busy);
});

t.test('a handler that ends its worker fails only its own review', async (t) => {
  const p = await pool(t);
  const exit = p.execute(byPath('/exit-worker'), body, ctx()).then(() => 'answered', (e: Error) => e.message);
  // Posted to the same worker behind it, before it runs: none of them has started.
  const others = await Promise.all(Array.from({ length: 20 }, () => p.execute(byPath('/quick'), body, ctx()).then((o) => o.summary.decision, (e: Error) => e.message)));
  t.equal(await exit, 'its worker exited (code 7)');
  t.same(others, Array(20).fill('allowed'));
  t.equal(p.stats().replaced, 1);
});
