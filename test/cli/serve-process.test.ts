// `kadmit serve` as a real process: it creates its certificates, serves a review
// over HTTPS with the CA it names, and exits 0 on SIGTERM.
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCli, waitForLog, finished } from '../helpers/process.ts';
import { httpsRequest, review } from '../helpers/https-client.ts';
import { opsGet } from '../helpers/ops-client.ts';
import { runCliInProcess } from '../helpers/cli.ts';

t.test('serve, answer, and stop on SIGTERM', async (t) => {
  const dir = t.testdir({});
  const child = startCli(['serve', '--webhook-address', '127.0.0.1:0', '--ops-address', '127.0.0.1:0', '--cert-dir', join(dir, 'certs'), '--drain-delay-ms', '100'], { cwd: dir });
  t.teardown(() => child.kill('SIGKILL'));
  const exited = finished(child);
  const serving = await waitForLog(child, (l) => l.msg === 'kadmit serving');
  const ca = readFileSync(join(dir, 'certs', 'ca.crt'), 'utf8');
  const res = await httpsRequest(serving.webhook.port, ca, '/validate/pod-security?timeout=10s', JSON.stringify(review({ uid: 'proc-1' })));
  t.equal(res.status, 200);
  t.equal(res.json().response.uid, 'proc-1');
  child.kill('SIGTERM');
  const result = await exited;
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, /shutdown: done/);
});

// serve starts a worker before it reads the configuration; a config file that says
// workers: 0 must still give a server that answers inline and exits cleanly.
t.test('workers: 0 in a config file: no worker pool, reviews answered inline, exit 0 on SIGTERM', async (t) => {
  const dir = t.testdir({ 'kadmit.yaml': 'workers: 0\nwebhooks: [builtin:require-memory-limits]\n' });
  const child = startCli(['serve', '--config', join(dir, 'kadmit.yaml'), '--webhook-address', '127.0.0.1:0', '--ops-address', '127.0.0.1:0', '--cert-dir', join(dir, 'certs'), '--drain-delay-ms', '0'], { cwd: dir });
  t.teardown(() => child.kill('SIGKILL'));
  const exited = finished(child);
  const serving = await waitForLog(child, (l) => l.msg === 'kadmit serving');
  const ca = readFileSync(join(dir, 'certs', 'ca.crt'), 'utf8');
  const res = await httpsRequest(serving.webhook.port, ca, '/validate/require-memory-limits?timeout=10s', JSON.stringify(review({ uid: 'inline-1' })));
  t.equal(res.json().response.uid, 'inline-1');
  const inflight = await opsGet(serving.ops.port, '/debug/inflight');
  t.equal(JSON.parse(inflight.text).workers, null, 'no worker pool');
  child.kill('SIGTERM');
  const result = await exited;
  t.equal(result.code, 0, result.stderr);
});

t.test('SIGTERM: readiness off at once, serving through the drain, in-flight reviews finish, exit 0 in the grace period', async (t) => {
  const dir = t.testdir({});
  const sleepy = new URL('../fixtures/webhooks/misbehaving.ts', import.meta.url).pathname;
  const child = startCli(['serve', '--webhook-address', '127.0.0.1:0', '--ops-address', '127.0.0.1:0', '--cert-dir', join(dir, 'certs'),
    '--webhook', sleepy, '--drain-delay-ms', '600', '--shutdown-grace-ms', '4000', '--workers', '1'], { cwd: dir });
  t.teardown(() => child.kill('SIGKILL'));
  const exited = finished(child);
  const serving = await waitForLog(child, (l) => l.msg === 'kadmit serving');
  const ca = readFileSync(join(dir, 'certs', 'ca.crt'), 'utf8');
  const readyz = async () => (await fetch(`http://127.0.0.1:${serving.ops.port}/readyz`)).status;
  t.equal(await readyz(), 200);
  // In flight across the whole drain: a 2 s budget outlives the 600 ms drain.
  const inFlight = httpsRequest(serving.webhook.port, ca, '/ignore-signal?timeout=2s', JSON.stringify(review({ uid: 'in-flight' })));
  await new Promise((r) => setTimeout(r, 100));
  const signalledAt = Date.now();
  child.kill('SIGTERM');
  await waitForLog(child, (l) => l.msg === 'shutdown: readiness off, draining');
  t.equal(await readyz(), 503, 'readyz fails at once');
  const duringDrain = await httpsRequest(serving.webhook.port, ca, '/quick', JSON.stringify(review({ uid: 'during-drain' })));
  t.equal(duringDrain.json().response.allowed, true, 'still serving during the drain');
  const answered = (await inFlight).json();
  t.equal(answered.response.uid, 'in-flight');
  t.equal(answered.response.allowed, true, 'the in-flight review got its answer');
  const result = await exited;
  t.equal(result.code, 0, result.stderr);
  t.ok(Date.now() - signalledAt < 4_000, 'exited within the grace period');
});

// --check is what the image build runs to fill Node's compile cache (Dockerfile):
// it must end by itself, whatever the pool is still doing, or the build hangs.
t.test('--check: starts with its workers, serves, shuts down without a drain and exits 0 on its own', async (t) => {
  const dir = t.testdir({});
  const child = startCli(['serve', '--check', '--workers', '2', '--webhook-address', '127.0.0.1:0', '--ops-address', '127.0.0.1:0', '--cert-dir', join(dir, 'certs')], { cwd: dir });
  t.teardown(() => child.kill('SIGKILL'));
  const result = await finished(child);
  t.equal(result.code, 0, result.stderr);
  const lines = result.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>);
  const at = (msg: string) => lines.findIndex((l) => l.msg === msg);
  t.ok(at('kadmit serving') >= 0 && at('kadmit serving') < at('check passed: kadmit served; shutting down (--check)'), 'served, then passed');
  t.equal(lines.find((l) => l.msg === 'shutdown: readiness off, draining')?.drainDelayMs, 0, 'no drain: nothing was sent to it');
  t.ok(at('shutdown: done') > at('check passed: kadmit served; shutting down (--check)'), 'shut down cleanly');
  t.ok(existsSync(join(dir, 'certs', 'ca.crt')), 'its certificates were made as serve makes them');
});

t.test('--check: a webhook module that does not load fails it, naming the module', async (t) => {
  const dir = t.testdir({});
  const child = startCli(['serve', '--check', '--webhook', './policies/missing.ts', '--webhook-address', '127.0.0.1:0', '--ops-address', '127.0.0.1:0', '--cert-dir', join(dir, 'certs')], { cwd: dir });
  t.teardown(() => child.kill('SIGKILL'));
  const result = await finished(child);
  t.not(result.code, 0);
  t.match(result.stderr, /missing\.ts/);
  t.notMatch(result.stdout, /check passed/);
});

t.test('--check with --watch is refused; serve --help lists both', async (t) => {
  const ran = await runCliInProcess(['serve', '--check', '--watch']);
  t.equal(ran.code, 2);
  t.match(ran.stderr, /--check starts and stops once; it cannot be combined with --watch/);
  const help = await runCliInProcess(['serve', '--help']);
  t.match(help.stdout, /\nDevelopment:\n {2}--watch +reload when/);
  t.match(help.stdout, /\nChecking:\n {2}--check +start as serve does/);
});

t.test('--check gives up after --check-timeout when a start-up step keeps waiting (a certificate Secret on an API that never answers)', async (t) => {
  // Port 1 on loopback: every connection to the API is refused, so the Secret is never read.
  const dir = t.testdir({
    kubeconfig: 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]\n' +
      'users: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u, namespace: kadmit}}]\ncurrent-context: x\n',
  });
  const started = Date.now();
  const child = startCli(['serve', '--check', '--check-timeout', '1s', '--cert-store', 'secret', '--kubeconfig', join(dir, 'kubeconfig'), '--workers', '1',
    '--webhook-address', '127.0.0.1:0', '--ops-address', '127.0.0.1:0', '--cert-dir', join(dir, 'certs')], { cwd: dir });
  t.teardown(() => child.kill('SIGKILL'));
  const result = await finished(child);
  t.equal(result.code, 1, result.stderr);
  t.match(result.stderr, /not serving after 1s \(--check-timeout\).*\[KADMIT_CHECK_TIMEOUT\]/);
  t.notMatch(result.stdout, /kadmit serving/);
  t.ok(Date.now() - started < 15_000, 'it ended instead of waiting for the API');
});

t.test('--check-timeout: only with --check, and a Go duration', async (t) => {
  t.match((await runCliInProcess(['serve', '--check-timeout', '5s'])).stderr, /--check-timeout is for --check/);
  const bad = await runCliInProcess(['serve', '--check', '--check-timeout', 'soon']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--check-timeout: expected a Go duration such as 30s or 2m, got "soon"/);
  t.match((await runCliInProcess(['serve', '--check', '--check-timeout'])).stderr, /--check-timeout needs a value/);
});
