// The `log` a handler gets names the review it is handling, whether the handler
// runs on the main thread or in a review worker (whose lines are relayed).
import t from 'tap';
import { runReview } from '../../src/admission/pipeline.ts';
import { WorkerPool } from '../../src/workers/pool.ts';
import { workerSetup } from '../../src/workers/protocol.ts';
import { loadWebhooks } from '../../src/webhooks/load.ts';
import { serveConfigSchema, type ServeConfig } from '../../src/config/options.ts';
import { fixtureWebhook } from '../helpers/server.ts';
import { review } from '../helpers/https-client.ts';
import { capturedLog } from '../webhooks/support.ts';

const spec = fixtureWebhook('logs-a-line');
const [loaded] = await loadWebhooks([spec], {});
const webhook = loaded!.webhook;
const body = new TextEncoder().encode(JSON.stringify(review({ namespace: 'shop', name: 'web-1', operation: 'UPDATE' })));
const ctx = () => ({ signal: new AbortController().signal, deadline: Date.now() + 10_000 });

const bound = {
  uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
  webhook: 'logs.test.kadmit.dev',
  kind: 'v1/Pod',
  namespace: 'shop',
  name: 'web-1',
  operation: 'UPDATE',
  image: 'nginx:1.27',
};

t.test('inline: the handler line carries the review fields', async (t) => {
  const { log, lines } = capturedLog();
  const outcome = await runReview(webhook, body, { ...ctx(), log });
  t.equal(outcome.summary.decision, 'allowed');
  const line = lines.find((l) => l.msg === 'handler looked at the pod');
  t.match(line, bound);
});

t.test('the log is there however the handler reads its input: destructured, spread, or not at all', async (t) => {
  const { defineValidatingWebhook, allow } = await import('../../src/index.ts');
  const seen: unknown[] = [];
  const reading = (name: string, use: (input: Record<string, unknown>) => unknown) =>
    defineValidatingWebhook({ name: `${name}.example.com`, path: `/validate/${name}`, rules: [{ operations: ['UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }], validate: (input) => (seen.push(use(input as unknown as Record<string, unknown>)), allow()) });
  const { log, lines } = capturedLog();
  const run = (w: Parameters<typeof runReview>[0]) => runReview(w, body, { ...ctx(), log });
  await run(reading('destructured', ({ log: l }) => (l as typeof log).info('destructured')));
  await run(reading('spread', (input) => ({ ...input }.log as typeof log).info('spread')));
  await run(reading('unread', (input) => Object.keys(input).sort()));
  t.match(lines.find((l) => l.msg === 'destructured'), { uid: bound.uid, webhook: 'destructured.example.com', namespace: 'shop' });
  t.match(lines.find((l) => l.msg === 'spread'), { uid: bound.uid, webhook: 'spread.example.com' });
  t.same(seen[2], ['deadline', 'kube', 'log', 'object', 'oldObject', 'request', 'signal'], 'log is one of the input\'s own keys');
});

t.test('in a worker: the relayed line carries the review fields', async (t) => {
  const { log, lines } = capturedLog();
  const config = serveConfigSchema.parse({ webhooks: [spec], logLevel: 'info' }) as ServeConfig;
  const pool = new WorkerPool({ size: 1, webhooks: [webhook], setup: workerSetup(config), log });
  await pool.start();
  t.teardown(() => pool.close());
  const outcome = await pool.execute(webhook, body, ctx());
  t.equal(outcome.summary.decision, 'allowed');
  const line = lines.find((l) => l.msg === 'handler looked at the pod');
  t.match(line, { ...bound, worker: Number });
});
