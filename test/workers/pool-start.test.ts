// The server serves once the first review worker is ready; the other workers
// and the stand-in boot once it serves and join as each is ready.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpsRequest, review } from '../helpers/https-client.ts';
import { waitFor } from '../helpers/wait.ts';
import { fixtureWebhook, startTestServer } from '../helpers/server.ts';
import { testApiServer } from '../kube/helpers.ts';
import pino from 'pino';
import { WorkerPool } from '../../src/workers/pool.ts';
import { workerSetup } from '../../src/workers/protocol.ts';
import { createThread } from '../../src/workers/worker-slot.ts';
import { loadWebhooks } from '../../src/webhooks/load.ts';
import { serveConfigSchema, type ServeConfig } from '../../src/config/options.ts';

t.test('ready with the first worker; the rest join; reviews meanwhile are answered', async (t) => {
  const server = await startTestServer({ webhooks: ['builtin:require-memory-limits'], workers: 3 });
  t.teardown(() => server.close());
  const atStart = server.pool!.stats();
  t.ok(atStart.ready >= 1, `${atStart.ready} of 3 workers ready when serving began`);
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) => httpsRequest(server.webhookPort, server.ca, '/validate/require-memory-limits?timeout=10s', JSON.stringify(review({ uid: `u-${i}` })))),
  );
  t.ok(answers.every((a) => a.status === 200 && a.json().response.allowed === true), '20 reviews sent while the pool grows are allowed');
  await waitFor(() => server.pool!.stats().ready === 3 && server.pool!.stats().standInReady, 15_000);
  t.match(server.pool!.stats(), { size: 3, ready: 3, standInReady: true }, 'all workers and the stand-in are up');
});

t.test('the pool boots its other workers and the stand-in only once othersAfter settles', async (t) => {
  const config = serveConfigSchema.parse({ webhooks: ['builtin:require-memory-limits'], logLevel: 'silent' }) as ServeConfig;
  const webhooks = (await loadWebhooks(config.webhooks, {})).map((l) => l.webhook);
  let booted = 0;
  const pool = new WorkerPool({
    size: 2, webhooks, setup: workerSetup(config), log: pino({ level: 'silent' }),
    createWorker: (setup, limits) => (booted++, createThread(setup, limits)),
  });
  t.teardown(() => pool.close());
  const serving = Promise.withResolvers<void>();
  await pool.start(serving.promise);
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal(booted, 1, 'only the first worker while start-up goes on');
  t.match(pool.stats(), { size: 2, ready: 1, standInReady: false });
  serving.resolve();
  await waitFor(() => pool.stats().ready === 2 && pool.stats().standInReady, 15_000);
  t.equal(booted, 3, 'then the second worker and the stand-in');
});

t.test('a first worker that cannot start fails start-up with its error', async (t) => {
  await t.rejects(startTestServer({ webhooks: [fixtureWebhook('fails-in-worker')], workers: 2 }), /refuses to load in a worker/);
});

t.test('a first worker that ends without an error fails start-up with its exit code', async (t) => {
  await t.rejects(startTestServer({ webhooks: [fixtureWebhook('exits-in-worker')], workers: 2 }), /review worker exited \(code 3\) before it was ready/);
});

t.test('a replacement that cannot boot is retried after 1 s, 2 s, ... while the ready worker serves', async (t) => {
  const counter = join(t.testdir({ boots: '' }), 'boots');
  process.env['KADMIT_TEST_BOOT_COUNTER'] = counter;
  t.teardown(() => void delete process.env['KADMIT_TEST_BOOT_COUNTER']);
  const server = await startTestServer({ webhooks: [fixtureWebhook('boots-once')], workers: 1, logLevel: 'info' });
  t.teardown(() => server.close());
  const answer = await httpsRequest(server.webhookPort, server.ca, '/validate/boots-once?timeout=10s', JSON.stringify(review({})));
  t.equal(answer.json().response.allowed, true, 'the worker that booted serves');
  const retries = () => server.logs.filter((l) => l['msg'] === 'review worker died before it was ready; starting another later').map((l) => l['retryInMs']);
  await waitFor(() => retries().length >= 2, 20_000);
  t.same(retries().slice(0, 2), [1_000, 2_000], 'the delay doubles');
  // One boot that worked, two that failed; the next waits 2 s (without a delay, one every ~0.3 s).
  t.equal(Number(readFileSync(counter, 'utf8')), 3, 'no boot between the failures and their retries');
  t.match(server.pool!.stats(), { ready: 1, standInReady: false });
});

t.test('workers that cannot start end start-up at once, even while certificates are still awaited', async (t) => {
  const { api } = await testApiServer(t);
  api.faults.add({ resource: 'secrets', hang: true }); // the CA state can never be read, and the read is in flight at clean-up
  const kubeconfig = join(t.testdir({}), 'kubeconfig');
  await api.writeKubeConfig(kubeconfig);
  const began = Date.now();
  await t.rejects(
    startTestServer({ webhooks: [fixtureWebhook('exits-in-worker')], workers: 1, certStore: 'secret', kubeconfig }),
    /review worker exited \(code 3\) before it was ready/,
  );
  t.ok(Date.now() - began < 5_000, `failed after ${Date.now() - began} ms, without waiting for the certificates`);
});
