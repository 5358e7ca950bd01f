// `?timeout=1s` with 6 MB bodies whose handler never answers: the failurePolicy
// answer goes out within 1.0 s of the last byte in every case, and /healthz
// answers within 200 ms throughout. (Before, the deadline answer re-parsed the
// whole body on the main thread: up to 1.4 s, /healthz stalled up to 0.7 s.)
import t from 'tap';
import { request } from 'node:http';
import { startKadmit, post, runPool, type Kadmit } from './support.ts';
import { fixtureWebhook } from '../helpers/server.ts';

function configMap(keys: number): Record<string, unknown> {
  const data: Record<string, string> = {};
  for (let i = 0; i < keys; i++) data[`key-${String(i).padStart(6, '0')}`] = 'v'.repeat(20);
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big', namespace: 'default' }, data };
}

/** Polls /healthz until stopped; resolves to the slowest answer in ms. */
function probeHealth(k: Kadmit): { stop(): Promise<number> } {
  let running = true;
  let slowest = 0;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      await new Promise<void>((resolve) => request({ host: '127.0.0.1', port: k.opsPort, path: '/healthz' }, (res) => res.resume().on('end', resolve)).on('error', () => resolve()).end());
      slowest = Math.max(slowest, performance.now() - started);
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  return { stop: async () => ((running = false), await loop, slowest) };
}

t.test('6 MB bodies at ?timeout=1s: on time, and the probes keep answering', async (t) => {
  const k = await startKadmit(t.testdir({}), ['--webhook', fixtureWebhook('misbehaving')]);
  t.teardown(() => k.child.kill('SIGKILL'));
  const cm = configMap(83_000);
  const body = JSON.stringify({
    apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
    request: { uid: 'big', kind: { group: '', version: 'v1', kind: 'ConfigMap' }, resource: { group: '', version: 'v1', resource: 'configmaps' }, namespace: 'default', name: 'big', operation: 'UPDATE', userInfo: { username: 'u' }, object: cm, oldObject: cm, dryRun: false },
  });
  t.ok(body.length > 5_900_000 && body.length < 6_100_000, `a ${(body.length / 1e6).toFixed(1)} MB body`);
  await post(k.webhookPort, k.ca, '/quick?timeout=10s', body);
  k.child.kill('SIGUSR2');
  const health = probeHealth(k);
  const answers = await runPool(8, 2, () => post(k.webhookPort, k.ca, '/sleep?timeout=1s', body));
  const slowestProbe = await health.stop();
  k.child.kill('SIGUSR2'); k.child.stderr!.on('data', (c) => console.error('SERVER', String(c))); await new Promise((r) => setTimeout(r, 300));
  for (const a of answers) {
    t.ok(a.status === 200 && JSON.parse(a.body).response.status.code === 504 && a.afterLastByteMs < 1_000, `failurePolicy answer ${Math.round(a.afterLastByteMs)} ms after the last byte`);
  }
  t.ok(slowestProbe < 200, `/healthz answered within ${Math.round(slowestProbe)} ms throughout`);
});
