// A real worker thread given reviews while a handler keeps it busy: the reviews
// of one batch wait their turn there, and an abort that arrives for one of them
// meanwhile reaches it when it starts (the worker keeps it under the review's slot).
import t from 'tap';
import pino from 'pino';
import { WorkerPool } from '../../src/workers/pool.ts';
import { workerSetup } from '../../src/workers/protocol.ts';
import { loadWebhooks } from '../../src/webhooks/load.ts';
import { serveConfigSchema, type ServeConfig } from '../../src/config/options.ts';
import { ReviewAbortedError } from '../../src/admission/abort.ts';
import { fixtureWebhook } from '../helpers/server.ts';
import { review } from '../helpers/https-client.ts';
import type { Webhook } from '../../src/model/webhook.ts';
import type { ReviewOutcome } from '../../src/model/outcome.ts';

const specs = [fixtureWebhook('turns')];
const webhooks = (await loadWebhooks(specs, {})).map((l) => l.webhook);
const byPath = (path: string) => webhooks.find((w) => w.path === path) as Webhook;
const body = new TextEncoder().encode(JSON.stringify(review({})));

t.test('an abort that reaches a busy worker before the review started is the review\'s signal when it starts', async (t) => {
  const config = serveConfigSchema.parse({ webhooks: specs, logLevel: 'silent' }) as ServeConfig;
  // The watchdog would take the reviews from a worker quiet this long; here it must not.
  const pool = new WorkerPool({ size: 1, webhooks, setup: workerSetup(config), log: pino({ level: 'silent' }), stallAfterMs: 5_000, replaceAfterMs: 5_000 });
  await pool.start();
  t.teardown(() => pool.close());
  const ctx = (signal = new AbortController().signal) => ({ signal, deadline: Date.now() + 10_000 });

  const busy = pool.execute(byPath('/busy'), body, ctx());
  await new Promise((resolve) => setTimeout(resolve, 100)); // the worker is inside the busy handler
  const aborted = new AbortController();
  const first = pool.execute(byPath('/signal-on-entry'), body, ctx());
  const second = pool.execute(byPath('/signal-on-entry'), body, ctx(aborted.signal));
  // Posted after the two reviews (one batch), while the worker is still busy.
  aborted.abort(new ReviewAbortedError('client-disconnected', 'the client went away'));

  t.equal((await busy).summary.decision, 'allowed');
  t.equal(await deniedWith(first), 'signal on entry: not aborted');
  t.equal(await deniedWith(second), 'signal on entry: client-disconnected', 'the abort waited with the review');
});

async function deniedWith(outcome: Promise<ReviewOutcome>): Promise<string | undefined> {
  const o = await outcome;
  return 'response' in o ? o.response.status?.message : undefined;
}
