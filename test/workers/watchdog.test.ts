// Handlers that never yield: the review is still answered by its deadline, other
// reviews keep flowing, and the pool comes back to full size.
import t from 'tap';
import { Agent } from 'node:https';
import { httpsRequest, review } from '../helpers/https-client.ts';
import { waitFor } from '../helpers/wait.ts';
import { startTestServer, fixtureWebhook } from '../helpers/server.ts';

const server = await startTestServer({ webhooks: [fixtureWebhook('misbehaving')], workers: 2, logLevel: 'info' });
t.teardown(() => server.close());
const agent = new Agent({ keepAlive: true, maxSockets: 128 });
t.teardown(() => agent.destroy());
const post = (path: string, uid: string) =>
  httpsRequest(server.webhookPort, server.ca, path, JSON.stringify(review({ uid })), { agent });

t.test('a spinning handler is answered by failurePolicy within deadline + 100 ms while 100 others succeed', async (t) => {
  // Serving starts with one worker; the second and the stand-in boot behind it.
  t.ok(await waitFor(() => server.pool!.stats().ready === 2 && server.pool!.stats().standInReady, 10_000), 'both workers and the stand-in are up');
  const started = Date.now();
  const spinning = post('/spin?timeout=2s', 'spin-1').then((res) => ({ res, elapsed: Date.now() - started }));
  await new Promise((r) => setTimeout(r, 50)); // let it occupy a worker
  // The warm stand-in takes the blocked worker's place long before the deadline.
  t.ok(await waitFor(() => server.pool!.stats().ready === 2 && server.pool!.stats().stalled === 0, 600), 'full capacity again while the spinner still runs');
  const normal = await Promise.all(Array.from({ length: 100 }, (_, i) => post('/quick?timeout=10s', `quick-${i}`)));
  t.ok(normal.every((r) => r.status === 200 && r.json().response.allowed === true), 'all 100 normal reviews allowed');
  const { res, elapsed } = await spinning;
  const body = res.json();
  t.equal(body.response.uid, 'spin-1');
  t.equal(body.response.allowed, false);
  t.equal(body.response.status.code, 504);
  t.match(body.response.status.message, /webhook "spin\.test\.kadmit\.dev" did not decide within 1\.5s/);
  // budget = 2 s - 500 ms margin; answered within deadline + 100 ms of arriving
  // (the server's own measure; the client's adds the TLS handshake on a busy machine).
  const line = server.logs.find((l) => l.msg === 'review' && l.uid === 'spin-1');
  t.ok(line && line.durationMs <= 1_500 + 100, `answered ${line?.durationMs} ms after arrival`);
  t.ok(elapsed <= 1_500 + 500, `client saw the answer after ${elapsed} ms`);
  t.ok(await waitFor(() => server.pool!.stats().replaced >= 1 && server.pool!.stats().ready === 2, 20_000), 'the stalled worker was replaced; pool back to 2');
});

t.test('a pathological regex is stopped the same way (failurePolicy Ignore fails open)', async (t) => {
  const res = (await post('/regex?timeout=1s', 'regex-1')).json();
  t.equal(res.response.allowed, true);
  t.match(res.response.warnings[0], /did not decide within/);
  // Recovery may need a fresh worker booted (the stand-in can still be starting
  // after the first case): booting is slow on a loaded machine, so the bound is wide.
  t.ok(await waitFor(() => server.pool!.stats().ready === 2 && server.pool!.stats().stalled === 0, 20_000), 'pool recovered');
  const after = await post('/quick', 'after-regex');
  t.equal(after.json().response.allowed, true);
});
