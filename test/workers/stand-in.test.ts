// A worker that was taken off rotation while busy comes back as the stand-in,
// possibly still running a review; if that review then blocks it, the stand-in
// is replaced like any blocked worker rather than left spinning to be swapped in.
import t from 'tap';
import { httpsRequest, review } from '../helpers/https-client.ts';
import { waitFor } from '../helpers/wait.ts';
import { fixtureWebhook, startTestServer } from '../helpers/server.ts';

t.test('a stand-in blocked by a review it carried over is replaced after that review\'s deadline', async (t) => {
  const server = await startTestServer({ webhooks: [fixtureWebhook('stand-in-blocker')], workers: 1, logLevel: 'info' });
  t.teardown(() => server.close());
  const post = (path: string) => httpsRequest(server.webhookPort, server.ca, `${path}?timeout=2s`, JSON.stringify(review({})));
  t.ok(await waitFor(() => server.pool!.stats().standInReady, 10_000), 'worker and stand-in up');

  const spinning = post('/wait-then-spin'); // starts, then waits 400 ms before blocking
  await new Promise((r) => setTimeout(r, 30));
  const busy = await post('/busy'); // blocks the same worker 300 ms: it is benched, then comes back as the stand-in
  t.equal(busy.json().response.allowed, true);
  t.equal((await spinning).status, 200, 'the blocked review is answered by failurePolicy at its deadline');

  t.ok(await waitFor(() => server.pool!.stats().replaced >= 1, 2_000), 'the blocked stand-in was replaced');
  t.ok(await waitFor(() => server.pool!.stats().standInReady, 5_000), 'a fresh stand-in is ready');
  t.ok(server.logs.some((l) => l['msg'] === 'review worker blocked past a deadline; replacing it'));
});
