// `kadmit serve` as a process, configured by OTEL_* alone: with an OTLP endpoint
// the review's trace reaches the receiver (flushed at SIGTERM); with
// OTEL_TRACES_EXPORTER=none or OTEL_SDK_DISABLED=true, the same endpoint gets
// nothing; a bad value stops start-up naming the variable. With tracing off
// the SDK is not even loaded.
import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { finished, runCli, startCli, waitForLog } from '../helpers/process.ts';
import { httpsRequest, review } from '../helpers/https-client.ts';
import { startOtlpReceiver } from '../helpers/otlp-receiver.ts';

const receiver = await startOtlpReceiver();
t.teardown(() => receiver.close());

async function serveOnce(t: Test, env: Record<string, string>): Promise<{ traceId: string; stdout: string }> {
  const dir = t.testdir({});
  const child = startCli(['serve', '--webhook-address', '127.0.0.1:0', '--ops-address', '127.0.0.1:0', '--cert-dir', join(dir, 'certs'), '--drain-delay-ms', '0', '--workers', '1'], { cwd: dir, env });
  t.teardown(() => child.kill('SIGKILL'));
  const exited = finished(child);
  const serving = await waitForLog(child, (l) => l.msg === 'kadmit serving', 30_000);
  const ca = readFileSync(join(dir, 'certs', 'ca.crt'), 'utf8');
  const traceId = randomBytes(16).toString('hex');
  const res = await httpsRequest(serving.webhook.port, ca, '/validate/pod-security?timeout=10s', JSON.stringify(review({ uid: 'otel' })), { headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` } });
  t.equal(res.status, 200);
  child.kill('SIGTERM');
  const result = await exited;
  t.equal(result.code, 0, result.stderr);
  return { traceId, stdout: result.stdout };
}

const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '60000' };

t.test('on: the trace is flushed to the receiver at SIGTERM', async (t) => {
  const { traceId, stdout } = await serveOnce(t, endpoint);
  t.match(stdout, /"msg":"tracing on"/);
  const names = receiver.spans.filter((s) => s.traceId === traceId).map((s) => s.name).sort();
  t.same(names, ['admission pod-security.kadmit.dev', 'envelope', 'handler', 'schema check'], 'every span of the review, from both threads, before the process ended');
});

for (const off of [{ OTEL_TRACES_EXPORTER: 'none' }, { OTEL_SDK_DISABLED: 'true' }] as Record<string, string>[]) {
  t.test(`off with ${Object.entries(off)[0]!.join('=')}: nothing is sent`, async (t) => {
    const before = receiver.requests.length;
    const { stdout } = await serveOnce(t, { ...endpoint, ...off });
    t.notMatch(stdout, /tracing on/);
    t.equal(receiver.requests.length, before, 'the receiver got no request');
  });
}

t.test('a bad value stops start-up, naming the variable', async (t) => {
  const result = await runCli(['serve', '--webhook-address', '127.0.0.1:0', '--ops-address', '127.0.0.1:0', '--cert-dir', join(t.testdir({}), 'certs')], { env: { ...endpoint, OTEL_TRACES_SAMPLER: 'bogus' } });
  t.equal(result.code, 1);
  t.match(result.stderr, /OTEL_TRACES_SAMPLER: unsupported sampler "bogus".*\[KADMIT_OTEL_CONFIG\]/);
});

t.test('with tracing off no OpenTelemetry module is loaded', async (t) => {
  const src = new URL('../../src/', import.meta.url).href;
  // Records every OpenTelemetry module resolved but the API (prom-client, always loaded, requires
  // that itself); the serving path is imported, tracing is asked for with nothing set, then with an exporter.
  const script = `
    import { registerHooks } from 'node:module';
    const loaded = [];
    registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); if (/@opentelemetry\\/(?!api\\/)/.test(r.url)) loaded.push(r.url); return r; } });
    await import('${src}cli/serve.ts');
    await import('${src}kube/client.ts');
    const { startTracing } = await import('${src}observability/tracing/start.ts');
    const { createLogger } = await import('${src}observability/logger.ts');
    const off = await startTracing({}, createLogger('silent'));
    const whenOff = loaded.length;
    const on = await startTracing({ OTEL_TRACES_EXPORTER: 'console' }, createLogger('silent'));
    console.log(JSON.stringify({ off, whenOff, on, whenOn: loaded.length }));`;
  const result = await finished(spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] }));
  t.equal(result.code, 0, result.stderr);
  const seen = JSON.parse(result.stdout.trim().split('\n').at(-1)!);
  t.match(seen, { off: false, whenOff: 0, on: true }, 'nothing loaded while off');
  t.ok(seen.whenOn > 0, 'the same hook sees the SDK once tracing is on');
});
