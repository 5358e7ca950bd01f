// /debug/inflight lists every review from arrival to reply (never object
// bodies), and the metrics count aborts by kind and failurePolicy answers.
import t from 'tap';
import { httpsRequest, review } from '../helpers/https-client.ts';
import { startTestServer, fixtureWebhook } from '../helpers/server.ts';

t.test('in-flight view and abort metrics', async (t) => {
  const server = await startTestServer({ webhooks: [fixtureWebhook('misbehaving')], workers: 1 });
  t.teardown(() => server.close());
  const ops = async (path: string) => (await fetch(`http://127.0.0.1:${server.opsPort}${path}`)).text();

  const pending = httpsRequest(server.webhookPort, server.ca, '/sleep?timeout=1s', JSON.stringify(review({ uid: 'in-flight-1' })));
  let view: any;
  for (let i = 0; i < 50; i++) {
    view = JSON.parse(await ops('/debug/inflight'));
    if (view.reviews.length > 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  t.equal(view.reviews.length, 1);
  const entry = view.reviews[0];
  t.match(entry, { uid: 'in-flight-1', webhook: 'sleep.test.kadmit.dev', state: 'running' });
  t.type(entry.ageMs, 'number');
  t.ok(Date.parse(entry.deadline) > Date.now(), 'deadline is in the future');
  t.same(Object.keys(entry).sort(), ['ageMs', 'deadline', 'state', 'uid', 'webhook'], 'no object bodies');
  t.match(view.workers, { size: 1, ready: 1 });

  t.equal((await pending).json().response.status.code, 504);
  t.same(JSON.parse(await ops('/debug/inflight')).reviews, [], 'gone once answered');
  // The handler's late answer comes after the 504, from the worker: its count may follow the reply by a moment.
  let metrics = await ops('/metrics');
  for (let i = 0; i < 100 && !metrics.includes('kadmit_admission_late_results_total{webhook="sleep.test.kadmit.dev"} 1'); i++) {
    await new Promise((r) => setTimeout(r, 20));
    metrics = await ops('/metrics');
  }
  t.match(metrics, /kadmit_admission_aborts_total\{webhook="sleep.test.kadmit.dev",kind="deadline-exceeded"\} 1/);
  t.match(metrics, /kadmit_admission_failure_policy_answers_total\{webhook="sleep.test.kadmit.dev",cause="deadline-exceeded"\} 1/);
  t.match(metrics, /kadmit_admission_late_results_total\{webhook="sleep.test.kadmit.dev"\} 1/);
  t.match(metrics, /kadmit_admission_in_flight\{webhook="sleep.test.kadmit.dev"\} 0/);
  t.match(metrics, /kadmit_worker_pool_workers\{state="ready"\} 1/);
});
