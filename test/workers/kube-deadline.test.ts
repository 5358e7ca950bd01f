// A handler's Kubernetes API call carries the review's signal: against an API
// server that never answers, the outgoing request's socket is closed at the deadline.
import t from 'tap';
import { join } from 'node:path';
import { startTestApiServer } from '../apiserver/server.ts';
import { httpsRequest, review } from '../helpers/https-client.ts';
import { startTestServer, fixtureWebhook } from '../helpers/server.ts';

const api = await startTestApiServer();
t.teardown(() => api.close());
const dir = t.testdir({});
await api.writeKubeConfig(join(dir, 'kubeconfig'));
process.env.KUBECONFIG = join(dir, 'kubeconfig');

for (const workers of [1, 0]) {
  t.test(`workers=${workers}: the hung API request is cancelled at the deadline`, async (t) => {
    const server = await startTestServer({ webhooks: [fixtureWebhook('kube-caller')], workers });
    t.teardown(() => server.close());
    api.faults.add({ verb: 'get', resource: 'secrets', name: 'lookup', hang: true, times: 1 });
    const started = Date.now();
    const pending = httpsRequest(server.webhookPort, server.ca, '/kube-caller?timeout=2s', JSON.stringify(review({ uid: `kube-${workers}` })));
    const until = Date.now() + 5_000;
    while (api.faults.hungCount === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    t.equal(api.faults.hungCount, 1, 'the API server holds the request open');
    const res = (await pending).json();
    const elapsed = Date.now() - started;
    t.equal(res.response.status.code, 504, 'answered by failurePolicy at the deadline');
    t.ok(elapsed < 1_500 + 300, `answered after ${elapsed} ms`);
    while (api.faults.hungCount > 0 && Date.now() - started < 1_500 + 500) await new Promise((r) => setTimeout(r, 10));
    t.equal(api.faults.hungCount, 0, `the client closed the hung request by ${Date.now() - started} ms`);

    api.store.put('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'lookup', namespace: 'default' }, data: {} });
    const ok = (await httpsRequest(server.webhookPort, server.ca, '/kube-caller?timeout=2s', JSON.stringify(review({ uid: `kube-ok-${workers}` })))).json();
    t.equal(ok.response.allowed, true, 'the same call succeeds when the API answers');
    api.store.delete?.('secrets', 'default', 'lookup');
  });
}
