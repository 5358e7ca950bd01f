// The server serves once the first review worker is ready; the other workers
// and the stand-in boot behind it and join as each is ready.
import t from 'tap';
import { httpsRequest, review } from '../helpers/https-client.ts';
import { fixtureWebhook, startTestServer } from '../helpers/server.ts';

t.test('ready with the first worker; the rest join; reviews meanwhile are answered', async (t) => {
  const server = await startTestServer({ webhooks: ['builtin:require-memory-limits'], workers: 3 });
  t.teardown(() => server.close());
  const atStart = server.pool!.stats();
  t.ok(atStart.ready >= 1, `${atStart.ready} of 3 workers ready when serving began`);
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) => httpsRequest(server.webhookPort, server.ca, '/validate/require-memory-limits?timeout=10s', JSON.stringify(review({ uid: `u-${i}` })))),
  );
  t.ok(answers.every((a) => a.status === 200 && a.json().response.allowed === true), '20 reviews sent while the pool grows are allowed');
  const until = Date.now() + 15_000;
  while (!(server.pool!.stats().ready === 3 && server.pool!.stats().standInReady) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  t.match(server.pool!.stats(), { size: 3, ready: 3, standInReady: true }, 'all workers and the stand-in are up');
});

t.test('a first worker that cannot start fails start-up with its error', async (t) => {
  await t.rejects(startTestServer({ webhooks: [fixtureWebhook('fails-in-worker')], workers: 2 }), /refuses to load in a worker/);
});
