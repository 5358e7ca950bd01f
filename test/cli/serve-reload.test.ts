// One reload of `serve --watch`, with stand-in pools: what it swaps, what it
// keeps when something fails, which changed settings it says need a restart; and
// the listener answering 404 on a path whose webhook a reload removed.
import t from 'tap';
import { createReloader, restartOnly } from '../../src/cli/serve-reload.ts';
import { WebhookTable } from '../../src/webhooks/table.ts';
import { PoolGenerations } from '../../src/workers/generations.ts';
import type { WorkerPool } from '../../src/workers/pool.ts';
import { loadWebhooks } from '../../src/webhooks/load.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { serveConfigSchema, type ServeConfig } from '../../src/config/options.ts';
import type { ResolvedServeConfig } from '../../src/config/load.ts';
import { UsageError } from '../../src/errors.ts';
import { fixtureWebhook, startTestServer } from '../helpers/server.ts';
import { httpsRequest, review } from '../helpers/https-client.ts';
import { waitFor } from '../helpers/wait.ts';

const spec = fixtureWebhook('misbehaving');
const configOf = (settings: Record<string, unknown> = {}): ResolvedServeConfig => ({ ...(serveConfigSchema.parse({ webhooks: [spec], ...settings }) as ServeConfig), project: {} });

/** A pool that starts (or fails to) and records whether it was closed. */
function standInPool(start: () => Promise<void> = async () => undefined) {
  const pool = { closed: false, start, close: async () => void (pool.closed = true), stats: () => ({ inFlight: 0 }) };
  return pool;
}

function setup(t: { teardown(fn: () => unknown): void }) {
  const lines: Record<string, any>[] = [];
  const log = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line)) });
  const first = standInPool();
  const pools = new PoolGenerations(first as unknown as WorkerPool);
  t.teardown(() => pools.close());
  return { lines, pools, first, log };
}

t.test('a reload swaps in the new webhooks and pool, and says which changed settings need a restart', async (t) => {
  const webhooks = new WebhookTable((await loadWebhooks([spec])).map((l) => l.webhook));
  const before = webhooks.at('/quick');
  const next = configOf({ webhookAddress: '127.0.0.1:9999', logObjects: true });
  const { lines, pools, first, log } = setup(t);
  const nextPool = standInPool();
  const reload = createReloader({ config: configOf(), loadConfig: () => next, createPool: () => nextPool as unknown as WorkerPool, target: { webhooks, pools }, log });
  t.equal(await reload(['/p/policy.ts']), true);
  t.equal(pools.current as unknown, nextPool, 'the new pool serves');
  t.not(webhooks.at('/quick'), before, 'the webhook on /quick was loaded anew');
  t.equal(webhooks.at('/quick')?.name, 'quick.test.kadmit.dev');
  t.match(lines.find((l) => l.level === 40), { settings: ['webhookAddress'], msg: /webhookAddress changed, which only a restart applies/ });
  t.match(lines.find((l) => /^reloaded/.test(l.msg)), { changed: ['/p/policy.ts'], generation: 2 });
  t.ok(await waitFor(() => first.closed, 5_000), 'the old pool, holding nothing, closed');
});

t.test('a pool that fails to start, or a config that fails to load, keeps what serves; the failed pool is closed', async (t) => {
  const webhooks = new WebhookTable((await loadWebhooks([spec])).map((l) => l.webhook));
  const before = webhooks.at('/quick');
  const failing = standInPool(async () => {
    throw new Error('review worker exited (code 1) before it was ready');
  });
  let config = configOf();
  const { lines, pools, first, log } = setup(t);
  const reload = createReloader({ config, loadConfig: () => config, createPool: () => failing as unknown as WorkerPool, target: { webhooks, pools }, log });
  t.equal(await reload(['/p/helper.ts']), false);
  t.equal(pools.current as unknown, first, 'the old pool still serves');
  t.equal(webhooks.at('/quick'), before, 'and the old webhooks');
  t.ok(failing.closed, 'the pool that failed is closed');
  t.match(lines.at(-1), { level: 50, changed: ['/p/helper.ts'], problem: 'review worker exited (code 1) before it was ready' });

  const broken = createReloader({ config, loadConfig: () => { throw new UsageError('invalid configuration:\n  kadmit.yaml: celCostLimit: expected number'); }, createPool: () => failing as unknown as WorkerPool, target: { webhooks, pools }, log });
  t.equal(await broken(['/p/kadmit.yaml']), false);
  t.match(lines.at(-1), { level: 50, msg: /^reload failed, still serving the code loaded before: invalid configuration:\n {2}kadmit\.yaml: celCostLimit/ });
  config = configOf({ workers: 0 });
  t.equal(await reload(['/p/kadmit.yaml']), false);
  t.match(lines.at(-1), { problem: /workers: 0 runs handlers on the main thread/ });
});

t.test('restartOnly: the settings a reload does not apply, and only those', async (t) => {
  const base = configOf();
  t.same(restartOnly(base, configOf({ settings: { x: 1 }, crds: ['a.yaml'], workers: 3, shutdownGraceMs: 1_000 })), ['shutdownGraceMs']);
  const withFixtures: ResolvedServeConfig = { ...base, project: { fixtures: ['f'] } };
  t.same(restartOnly(base, withFixtures), [], 'project-only settings are not serve\'s');
});

t.test('a path whose webhook a reload removed answers 404', async (t) => {
  const server = await startTestServer({ logLevel: 'silent', workers: 1 });
  t.teardown(() => server.close());
  const post = () => httpsRequest(server.webhookPort, server.ca, '/validate/pod-security?timeout=10s', JSON.stringify(review({ uid: 'r' })));
  t.equal((await post()).status, 200);
  server.webhooks.replace(server.webhooks.all.filter((w) => w.path !== '/validate/pod-security'));
  const gone = await post();
  t.equal(gone.status, 404);
  t.equal(gone.json().code, 'KADMIT_NOT_FOUND');
});
