// The proof: every fixture the project ships goes through `kadmit replay` in
// both modes: in-process, and over HTTPS against a running server serving the
// same webhooks. The first suite's in-process run is a real kadmit process; the
// others run the same command in this one (the entry point is proven once). Policy fixtures under test/fixtures/policies/
// (one directory per built-in policy, see docs/replay.md) are included when present.
import t from 'tap';
import type { Test } from 'tap';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/process.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { startTestServer } from '../helpers/server.ts';
import { loadServeConfig } from '../../src/config/load.ts';
import { ROOT, EXAMPLES, EXAMPLE_CONFIG } from './support.ts';

interface JsonReport {
  mode: string;
  summary: { total: number; passed: number; failed: number };
  results: { id: string; passed: boolean; sent?: false; failures: unknown[] }[];
}

interface Suite {
  name: string;
  paths: string[];
  /** The configuration file (webhooks and settings) for both kadmit replay and the server. */
  config: string | undefined;
  /** Or the one built-in policy the fixtures are for, with default settings. */
  builtin?: string;
}

const suites: Suite[] = [{ name: 'test/fixtures/replay', paths: [EXAMPLES], config: EXAMPLE_CONFIG }];
const policies = fileURLToPath(new URL('../fixtures/policies/', import.meta.url));
if (existsSync(policies)) {
  for (const entry of readdirSync(policies, { withFileTypes: true }).filter((e) => e.isDirectory())) {
    const dir = join(policies, entry.name);
    const config = join(dir, 'kadmit.yaml');
    suites.push(existsSync(config)
      ? { name: `policies/${entry.name}`, paths: [dir], config }
      : { name: `policies/${entry.name}`, paths: [dir], config: undefined, builtin: `builtin:${entry.name}` });
  }
}

const flags = (s: Suite) => (s.config ? ['--config', s.config] : ['--webhook', s.builtin!]);

function check(t: Test, report: JsonReport, mode: string) {
  t.equal(report.mode, mode);
  t.ok(report.summary.total > 0, 'fixtures were replayed');
  t.equal(report.summary.failed, 0, 'no failures');
  for (const r of report.results) t.ok(r.passed, `${r.id}: ${JSON.stringify(r.failures)}`);
}

for (const [index, suite] of suites.entries()) {
  t.test(`${suite.name}: in-process`, async (t) => {
    const args = ['replay', ...flags(suite), '--format', 'json', ...suite.paths];
    const run = index === 0 ? await runCli(args, { cwd: ROOT }) : await runCliInProcess(args);
    t.equal(run.code, 0, run.stderr);
    check(t, JSON.parse(run.stdout) as JsonReport, 'in-process');
  });

  t.test(`${suite.name}: --url against a running server`, async (t) => {
    const config = loadServeConfig(flags(suite), {});
    const server = await startTestServer({ webhooks: config.webhooks, settings: config.settings, crds: config.crds, workers: 1 });
    t.teardown(() => server.close());
    const ca = join(t.testdir({ 'ca.crt': server.ca }), 'ca.crt');
    const run = await runCliInProcess(['replay', ...flags(suite), '--url', `https://127.0.0.1:${server.webhookPort}`, '--ca', ca, '--format', 'json', ...suite.paths]);
    t.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as JsonReport;
    check(t, report, 'url');
    const reviewed = server.logs.filter((l) => l.msg === 'review').length;
    // Cases the apiserver would never send to their webhook (expect: {sent: false}) are not sent.
    const sent = report.results.filter((r) => r.sent !== false).length;
    t.ok(reviewed >= sent, `the server answered every review sent (${reviewed} log lines for ${sent} cases sent)`);
  });
}
