// kadmit bench: the statistics and the regression gate on made-up numbers (no
// timing is asserted), and the command end to end, in-process and over HTTPS.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { latencyStats, percentile } from '../../src/replay/bench-stats.ts';
import { compareBench, parseBaseline, parseGate, parseThreshold, DEFAULT_GATE } from '../../src/replay/bench-compare.ts';
import { renderComparison } from '../../src/replay/bench-report.ts';
import type { BenchReport, WebhookBench } from '../../src/replay/bench.ts';
import { runCli } from '../helpers/process.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { startTestServer } from '../helpers/server.ts';
import { ROOT } from './support.ts';

function webhook(name: string, n: Partial<WebhookBench>): WebhookBench {
  return { webhook: name, path: `/${name}`, fixtures: 1, errors: 0, durationMs: 1000, count: 1000, reqPerSec: 1000, minMs: 0.5, p50Ms: 1, p95Ms: 2, p99Ms: 4, maxMs: 9, meanMs: 1.1, ...n };
}
const report = (...webhooks: WebhookBench[]): BenchReport => ({ kadmit: 'bench', version: 1, mode: 'in-process', concurrency: 1, webhooks });

t.test('nearest-rank percentiles and throughput', async (t) => {
  const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
  const s = latencyStats(samples, 2000);
  t.same([s.count, s.minMs, s.p50Ms, s.p95Ms, s.p99Ms, s.maxMs, s.meanMs, s.reqPerSec], [100, 1, 50, 95, 99, 100, 50.5, 50]);
  t.equal(percentile([7], 99), 7);
  t.equal(percentile([], 50), 0);
  t.equal(percentile([1, 2, 3], 0), 1);
  t.same(latencyStats([], 0), { count: 0, reqPerSec: 0, minMs: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, maxMs: 0, meanMs: 0 });
});

t.test('the gate: latency may not grow, throughput may not fall, beyond the threshold', async (t) => {
  const baseline = report(webhook('a', {}), webhook('b', {}), webhook('gone', {}));
  const current = report(
    webhook('a', { p50Ms: 1.1, p95Ms: 2.21, reqPerSec: 901 }), // +10% (not beyond), +10.5%, -9.9%
    webhook('b', { p50Ms: 0.5, p99Ms: 40, reqPerSec: 899 }), // faster; p99 not gated by default; -10.1%
    webhook('new', {}),
  );
  const c = compareBench(baseline, current, { threshold: 0.1, gate: DEFAULT_GATE });
  t.same(c.regressions.map((r) => `${r.webhook} ${r.metric}`), ['a p95', 'b rps']);
  t.same(c.missing, ['gone']);
  t.same(c.added, ['new']);
  const a50 = c.rows.find((r) => r.webhook === 'a' && r.metric === 'p50')!;
  t.equal(Number(a50.change!.toFixed(3)), 0.1);
  t.equal(a50.regression, false, 'exactly at the threshold is not beyond it');

  const p99 = compareBench(baseline, current, { threshold: 0.1, gate: ['p99'] });
  t.same(p99.regressions.map((r) => r.webhook), ['b'], '--gate p99');
  t.same(compareBench(baseline, current, { threshold: 10, gate: ['p99'] }).regressions, [], 'a threshold of 1000% lets p99 x10 pass');
  const zero = compareBench(report(webhook('a', { minMs: 0 })), report(webhook('a', { minMs: 5 })), { threshold: 0.1, gate: ['min'] });
  t.same([zero.rows[0]!.change, zero.regressions.length], [undefined, 0], 'a zero baseline is not compared');

  const text = renderComparison(c, 0.1);
  t.match(text, /^a +p95 +2\.000 +2\.210 +\+10\.5% +REGRESSION$/m);
  t.match(text, /^b +rps +1000\.000 +899\.000 +-10\.1% +REGRESSION$/m);
  t.match(text, /note: gone is in the baseline but was not measured/);
  t.match(text, /2 regression\(s\) beyond 10\.0%/);
});

t.test('flags and baselines are checked', async (t) => {
  t.equal(parseThreshold('10%'), 0.1);
  t.equal(parseThreshold('2.5'), 0.025);
  t.throws(() => parseThreshold('ten'), { code: 'KADMIT_USAGE' });
  t.same(parseGate('p50, rps'), ['p50', 'rps']);
  t.throws(() => parseGate('p42'), { message: /--gate: expected/ });
  t.throws(() => parseBaseline('{', 'b.json'), { code: 'KADMIT_USAGE', message: /b\.json is not JSON/ });
  t.throws(() => parseBaseline(JSON.stringify({ kadmit: 'bench', version: 1, webhooks: [{ webhook: 'a', count: 1 }] }), 'b.json'),
    { message: /b\.json is not a kadmit bench --json report:\n {2}webhooks\[0\]\.reqPerSec: /m });
});

const dir = t.testdir({
  // Two fixtures the apiserver would send to require-memory-limits (CREATE and UPDATE; it never gets a DELETE).
  'cases.yaml': 'operation: CREATE\nobject: {apiVersion: v1, kind: Pod, metadata: {name: a}, spec: {containers: [{name: c, image: i}]}}\n---\noperation: UPDATE\nobject: {apiVersion: v1, kind: Pod, metadata: {name: a}, spec: {containers: [{name: c, image: i}]}}\noldObject: {apiVersion: v1, kind: Pod, metadata: {name: a}, spec: {containers: [{name: c, image: i}]}}\n',
});
const quick = ['--webhook', 'builtin:require-memory-limits', '--requests', '40', '--warmup', '5', '--duration', '20s'];

t.test('kadmit bench in-process (the first run as a process): the report, and --compare exits 1 only on a regression', async (t) => {
  const res = await runCli(['bench', ...quick, '--json', dir], { cwd: ROOT });
  t.equal(res.code, 0, res.stderr);
  const out = JSON.parse(res.stdout) as BenchReport;
  t.equal(out.mode, 'in-process');
  t.equal(out.webhooks.length, 1);
  const w = out.webhooks[0]!;
  t.equal(w.webhook, 'require-memory-limits.kadmit.dev');
  t.equal(w.count, 40, '--requests caps the count');
  t.equal(w.errors, 0);
  t.equal(w.fixtures, 2);
  t.ok(w.minMs <= w.p50Ms && w.p50Ms <= w.p95Ms && w.p95Ms <= w.p99Ms && w.p99Ms <= w.maxMs, 'ordered');
  t.ok(w.reqPerSec > 0);

  // Baselines no real run can be close to, so the outcome does not depend on this machine's speed.
  const baselines = t.testdir({});
  const impossible = join(baselines, 'fast.json');
  writeFileSync(impossible, JSON.stringify(report(webhook(w.webhook, { p50Ms: 1e-9, p95Ms: 1e-9, reqPerSec: 1e12 }))));
  const worse = await runCliInProcess(['bench', ...quick, '--compare', impossible, '--threshold', '10%', dir]);
  t.equal(worse.code, 1);
  t.match(worse.stdout, /require-memory-limits\.kadmit\.dev +p50 .*REGRESSION/);
  t.match(worse.stdout, /3 regression\(s\) beyond 10\.0%/);

  const generous = join(baselines, 'slow.json');
  writeFileSync(generous, JSON.stringify(report(webhook(w.webhook, { p50Ms: 1e6, p95Ms: 1e6, reqPerSec: 1e-3 }))));
  const better = await runCliInProcess(['bench', ...quick, '--json', '--compare', generous, dir]);
  t.equal(better.code, 0, better.stderr);
  t.same(JSON.parse(better.stdout).comparison.regressions, []);

  const bad = await runCliInProcess(['bench', ...quick, '--compare', join(dir, 'cases.yaml'), dir]);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--compare: .*cases\.yaml is not JSON/);
});

t.test('kadmit bench --url measures a running server over HTTPS', async (t) => {
  const server = await startTestServer({ webhooks: ['builtin:require-memory-limits'], workers: 1 });
  t.teardown(() => server.close());
  const ca = join(t.testdir({ 'ca.crt': server.ca }), 'ca.crt');
  const res = await runCliInProcess(['bench', ...quick, '--concurrency', '2', '--url', `https://127.0.0.1:${server.webhookPort}`, '--ca', ca, dir]);
  t.equal(res.code, 0, res.stderr);
  t.match(res.stdout, /^webhook +count +errors +req\/s +min ms +p50 ms +p95 ms +p99 ms$/m);
  t.match(res.stdout, /^require-memory-limits\.kadmit\.dev +40 +0 +\d+\.\d /m);
  t.match(res.stdout, /\(url, concurrency 2\)/);
  t.ok(server.logs.filter((l) => l.msg === 'review').length >= 45, 'warm-up and measured requests reached the server');

  const refused = await runCliInProcess(['bench', ...quick, '--url', 'https://127.0.0.1:1', '--duration', '1s', dir]);
  t.equal(refused.code, 1, 'calls that get no answer fail the run');
  t.match(refused.stderr, /require-memory-limits\.kadmit\.dev: \d+ call\(s\) got no 2xx answer, none did/);
});
