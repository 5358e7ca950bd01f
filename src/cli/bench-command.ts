// `kadmit bench`: per-webhook latency on fixtures, in-process or against a
// running server, with an optional comparison against a saved baseline.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UsageError } from '../config/load.ts';
import { parseGoDuration } from '../admission/deadline.ts';
import { errorMessage } from '../errors.ts';
import { argsError } from '../config/suggest.ts';
import { TARGET_HELP, TARGET_OPTIONS, prepareTarget } from '../replay/setup.ts';
import { loadFixtures } from '../replay/fixtures.ts';
import { FixtureError } from '../replay/problems.ts';
import { runBench } from '../replay/bench.ts';
import { compareBench, DEFAULT_GATE, parseBaseline, parseGate, parseThreshold } from '../replay/bench-compare.ts';
import { renderBench, renderComparison } from '../replay/bench-report.ts';
import type { CliIo } from './io.ts';

const OPTIONS = {
  ...TARGET_OPTIONS,
  duration: { type: 'string' },
  requests: { type: 'string' },
  warmup: { type: 'string' },
  concurrency: { type: 'string' },
  json: { type: 'boolean' },
  compare: { type: 'string' },
  threshold: { type: 'string' },
  gate: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function benchHelp(): string {
  return [
    'Usage: kadmit bench [options] PATH...',
    '',
    'Measures each webhook on the given fixtures (files or directories, the format of',
    'kadmit replay; expectations are not checked): count, req/s, min/p50/p95/p99.',
    'Exit status: 0 done, 1 a regression against --compare or calls that failed, 2 usage errors.',
    '',
    ...TARGET_HELP,
    '',
    'Load:',
    '  --duration DURATION     how long to measure each webhook (default 3s)',
    '  --requests N            stop each webhook after N requests (whichever comes first)',
    '  --warmup N              requests sent first and not counted (default 50)',
    '  --concurrency N         requests in flight at once (default 1)',
    '',
    'Output:',
    '  --json                  the report as JSON (save it as a baseline)',
    '  --compare FILE          compare with a saved --json report',
    '  --threshold PCT         allowed change before it is a regression (default 10%)',
    `  --gate METRICS          metrics compared: min, p50, p95, p99, rps (default ${DEFAULT_GATE.join(',')})`,
    '  --help                  show this help',
  ].join('\n');
}

function count(flag: string, value: string | undefined, fallback: number | undefined, min: number): number | undefined {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min) throw new UsageError(`--${flag}: expected a whole number of at least ${min} (got ${JSON.stringify(value)})`);
  return Number(value);
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw argsError(err, Object.keys(OPTIONS), 'kadmit bench --help');
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(`${benchHelp()}\n`);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError(`give one or more fixture files or directories\n\n${benchHelp()}`);
  const durationMs = parseGoDuration(values.duration ?? '3s');
  if (durationMs === undefined || durationMs <= 0) throw new UsageError(`--duration: expected a duration such as 3s (got ${JSON.stringify(values.duration)})`);
  const options = {
    durationMs,
    maxRequests: count('requests', values.requests, undefined, 1),
    warmup: count('warmup', values.warmup, 50, 0)!,
    concurrency: count('concurrency', values.concurrency, 1, 1)!,
  };
  const threshold = parseThreshold(values.threshold ?? '10%');
  const gate = values.gate !== undefined ? parseGate(values.gate) : DEFAULT_GATE;
  let baseline;
  if (values.compare !== undefined) {
    let text: string;
    try {
      text = readFileSync(values.compare, 'utf8');
    } catch (err) {
      throw new UsageError(`--compare: cannot read ${values.compare}: ${errorMessage(err)}`);
    }
    baseline = parseBaseline(text, values.compare);
  }

  const target = await prepareTarget(values, io.env, { maxSockets: options.concurrency });
  try {
    const loaded = loadFixtures(positionals, { webhooks: target.webhooks, timeoutFor: target.timeoutFor, ...(target.defaultWebhook !== undefined && { defaultWebhook: target.defaultWebhook }) });
    if (loaded.problems.length > 0) throw new FixtureError(loaded.problems);
    const unsent = loaded.cases.filter((c) => !c.match.sent).length;
    if (unsent > 0) io.stderr.write(`kadmit bench: ${unsent} fixture(s) left out: the apiserver would not send them to their webhook (kadmit replay says why)\n`);
    const report = await runBench(loaded.cases, target.sender, options);
    const comparison = baseline && compareBench(baseline, report, { threshold, gate });
    if (values.json) io.stdout.write(`${JSON.stringify(comparison ? { ...report, comparison } : report, null, 2)}\n`);
    else {
      io.stdout.write(renderBench(report));
      if (comparison) io.stdout.write(`\n${renderComparison(comparison, threshold)}`);
    }
    const failedCalls = report.webhooks.filter((w) => w.errors > 0 || w.count === 0);
    for (const w of failedCalls) io.stderr.write(`kadmit bench: ${w.webhook}: ${w.errors} call(s) got no 2xx answer${w.count === 0 ? ', none did' : ''}; check with kadmit replay\n`);
    return failedCalls.length > 0 || (comparison?.regressions.length ?? 0) > 0 ? 1 : 0;
  } finally {
    await target.sender.close();
  }
}
