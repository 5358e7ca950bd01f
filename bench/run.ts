// `npm run bench`: kadmit's HTTPS throughput side by side with the raw
// node:https peer (and the Go peer when Go is installed) in one run, then the
// micro-benchmarks. See bench/README.md for how to read the numbers.
import { BenchError } from './lib/errors.ts';
import { runHttp, type ScenarioResult } from './lib/http.ts';
import { runMicro, type MicroResult } from './lib/micro.ts';
import { parseOptions, USAGE } from './lib/options.ts';
import { sharedBench } from './lib/paths.ts';
import { cleanupAll, installCleanupHandlers } from './lib/procs.ts';
import { printSummary, ratios, writeJson } from './lib/report.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { baselineScenario, SCENARIOS } from './lib/scenarios.ts';
import { judgeTargets, printTargets } from './lib/targets.ts';

/** The per-review CPU a micro-benchmark's share is taken of: kadmit as shipped, else inline. */
function perReviewCpu(results: readonly ScenarioResult[]): { us: number; source: string } | undefined {
  for (const name of ['kadmit', 'kadmit-inline']) {
    const us = results.find((r) => r.name === name)?.median?.cpuUsPerReview;
    if (us !== undefined && Number.isFinite(us)) return { us, source: name };
  }
  return undefined;
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  if (opts.baseline !== undefined && !existsSync(join(opts.baseline, 'src', 'cli', 'main.ts'))) throw new BenchError(`--baseline: ${opts.baseline} is not a kadmit checkout (no src/cli/main.ts)`);
  // The baseline runs right after kadmit in each round, and kadmit's ratios include it.
  const all = opts.baseline === undefined ? SCENARIOS : SCENARIOS.flatMap((s) => s.name === 'kadmit'
    ? [{ ...s, compareTo: [...(s.compareTo ?? []), 'kadmit-baseline'] }, baselineScenario(opts.baseline!)]
    : [s]);
  const only = opts.only && opts.baseline !== undefined ? [...opts.only, 'kadmit-baseline'] : opts.only;
  const unknown = (only ?? []).filter((n) => !all.some((s) => s.name === n));
  if (unknown.length > 0) throw new BenchError(`--only: unknown scenario(s) ${unknown.join(', ')}; known: ${all.map((s) => s.name).join(', ')}`);
  const scenarios = only ? all.filter((s) => only.includes(s.name)) : all.filter((s) => opts.sweeps || !s.sweep);
  if (!scenarios.some((s) => s.server.kind === 'kadmit')) throw new BenchError('--only must include a kadmit scenario (it creates the certificate the peers use)');

  sharedBench(); // fail before anything starts if the peers are missing
  installCleanupHandlers();
  const settings = { rounds: opts.rounds, seconds: opts.seconds, conns: opts.conns, warmupSeconds: opts.warmupSeconds, restSeconds: opts.restSeconds };
  console.log(`kadmit bench: ${opts.rounds} round(s) x ${opts.seconds} s per scenario, ${opts.conns} keep-alive TLS connections, ` +
    `warm-up ${opts.warmupSeconds} s; node ${process.version}`);
  console.log('servers pinned to cpu 0 (scenarios marked cpu 0,1 get both cores), wrk to cpu 1; ' +
    'kadmit logs at its default level (info, one JSON line per review) to a temp file unless a scenario says otherwise');
  for (const s of scenarios) console.log(`  ${s.name.padEnd(18)} ${s.description}`);
  console.log('');

  const http = await runHttp(scenarios, settings);
  const rs = ratios(scenarios, http.scenarios);
  printSummary(http, rs);
  const verdicts = judgeTargets(http.scenarios);
  printTargets(verdicts);
  const missed = verdicts.filter((v) => v.met === false).length;
  if (missed > 0) console.log(`\n${missed} target(s) missed: the bench exits 1`);

  let micro: MicroResult[] = [];
  if (opts.micro) {
    console.log('\nmicro-benchmarks');
    micro = await runMicro(perReviewCpu(http.scenarios));
  }
  if (opts.json) {
    writeJson(opts.json, { settings, http, ratios: rs, micro });
    console.log(`\nresults written to ${opts.json}`);
  }
  return http.errors > 0 || missed > 0 || micro.some((m) => m.exitCode !== undefined && m.exitCode !== 0) ? 1 : 0;
}

main().then(
  (code) => {
    cleanupAll();
    process.exitCode = code;
  },
  (err: unknown) => {
    cleanupAll();
    process.stderr.write(err instanceof BenchError ? `bench: ${err.message}\n` : `bench: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
