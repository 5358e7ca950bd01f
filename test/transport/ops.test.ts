// The ops listener: probes and bounded-label metrics that show decisions.
import t from 'tap';
import { httpsRequest, review, pod } from '../helpers/https-client.ts';
import { startTestServer } from '../helpers/server.ts';
import { opsGet } from '../helpers/ops-client.ts';

t.test('healthz, readyz, metrics', async (t) => {
  const server = await startTestServer({ drainDelayMs: 300, workers: 1, webhooks: ['builtin:require-memory-limits', 'builtin:add-reviewed-label'] });
  t.teardown(() => server.close());
  t.equal((await opsGet(server.opsPort, '/healthz')).status, 200);
  t.equal((await opsGet(server.opsPort, '/readyz')).status, 200);
  t.equal((await opsGet(server.opsPort, '/nope')).status, 404);

  const post = (path: string, body: unknown) => httpsRequest(server.webhookPort, server.ca, path, JSON.stringify(body));
  await post('/validate/require-memory-limits', review({ namespace: 'ns-secret-1', name: 'name-secret-1' }));
  await post('/validate/require-memory-limits', review({ object: pod(null) }));
  await post('/mutate/add-reviewed-label', review({}));
  await post('/validate/require-memory-limits', 'not json');

  const metrics = (await opsGet(server.opsPort, '/metrics')).text;
  t.match(metrics, /kadmit_admission_reviews_total\{webhook="require-memory-limits.kadmit.dev",operation="CREATE",decision="allowed"\} 1/);
  t.match(metrics, /kadmit_admission_reviews_total\{webhook="require-memory-limits.kadmit.dev",operation="CREATE",decision="denied"\} 1/);
  t.match(metrics, /kadmit_admission_reviews_total\{webhook="add-reviewed-label.kadmit.dev",operation="CREATE",decision="mutated"\} 1/);
  t.match(metrics, /kadmit_admission_reviews_total\{webhook="require-memory-limits.kadmit.dev",operation="unknown",decision="invalid"\} 1/);
  t.match(metrics, /kadmit_admission_review_duration_seconds_bucket\{le="0.005",webhook="require-memory-limits.kadmit.dev"\}/);
  t.match(metrics, /kadmit_admission_in_flight\{webhook="require-memory-limits.kadmit.dev"\} 0/);
  t.match(metrics, /process_cpu_user_seconds_total/);
  t.notMatch(metrics, /ns-secret-1|name-secret-1|705ab4f5/, 'no namespace, name or uid labels');

  const done = server.shutdown();
  const during = await opsGet(server.opsPort, '/readyz').catch(() => ({ status: 0, text: '' }));
  t.equal(during.status, 503, 'readyz fails as soon as shutdown starts');
  await done;
});
