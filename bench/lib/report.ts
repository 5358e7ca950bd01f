// The summary printed after the rounds, and the JSON written by --json.
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import type { HttpResults, HttpSettings, RoundResult, ScenarioResult } from './http.ts';
import type { CpuSplit } from './cpu.ts';
import type { MicroResult } from './micro.ts';
import type { Scenario } from './scenarios.ts';
import { printMemory, printSweeps } from './sweeps.ts';
import { median, fmtCores, fmtMs, fmtRatio, fmtRps, fmtUs } from './stats.ts';

export interface Ratio {
  of: string;
  to: string;
  /** median req/s of `of` over median req/s of `to`. */
  ofMedians: number;
  /** The same ratio within each round (the two runs closest in time). */
  perRound: number[];
  /** `to`'s median CPU per review over `of`'s: the req/s ratio both would reach with a core each to themselves. */
  byCpu: number;
  byCpuPerRound: number[];
  /** Median p50 and p99 latency of `of` over `to` (lower is better for `of`). */
  p50: number;
  p99: number;
}

export function ratios(scenarios: readonly Scenario[], results: readonly ScenarioResult[]): Ratio[] {
  const byName = new Map(results.map((r) => [r.name, r]));
  const out: Ratio[] = [];
  for (const s of scenarios) {
    const a = byName.get(s.name);
    for (const to of s.compareTo ?? []) {
      const b = byName.get(to);
      if (!a?.median || !b?.median) continue;
      out.push({
        of: s.name,
        to,
        ofMedians: a.median.rps / b.median.rps,
        perRound: a.rounds.map((r, i) => r.rps / (b.rounds[i]?.rps ?? Number.NaN)),
        byCpu: b.median.cpuUsPerReview / a.median.cpuUsPerReview,
        byCpuPerRound: a.rounds.map((r, i) => (b.rounds[i]?.cpuUsPerReview ?? Number.NaN) / r.cpuUsPerReview),
        p50: a.median.p50Ms / b.median.p50Ms,
        p99: a.median.p99Ms / b.median.p99Ms,
      });
    }
  }
  return out;
}

/** Where a review's CPU went, by kind of thread (bench/lib/cpu.ts), medians of the rounds. */
export function splitText(s: CpuSplit): string {
  const us = (x: number) => fmtUs(x).trim();
  return `by thread: main ${us(s.main)}, review workers ${us(s.workers)}, V8 helpers (GC, compiler) ${us(s.v8)}, rest ${us(s.rest)} us/review`;
}

export function printSummary(http: HttpResults, rs: readonly Ratio[]): void {
  console.log('\nmedians');
  for (const r of http.scenarios) {
    if (r.skipped || !r.median) {
      console.log(`  ${r.name.padEnd(18)} ${r.skipped ?? 'not run'}`);
      continue;
    }
    const m = r.median;
    const log = r.logBytesPerReview === undefined ? '' : `  log ${Math.round(r.logBytesPerReview)} B/review`;
    console.log(`  ${r.name.padEnd(18)} ${fmtRps(m.rps)} req/s  p50 ${fmtMs(m.p50Ms)} ms  p99 ${fmtMs(m.p99Ms)} ms  ` +
      `cpu ${fmtUs(m.cpuUsPerReview)} us/review, cores busy ${fmtCores(m.cpuBusy)} (main ${fmtCores(m.mainBusy)}; cpu ${r.cpus.padEnd(3)}, ${workersText(r.workers)}), wrk ${fmtCores(m.wrkBusy)}${log}`);
    if (m.cpuSplitUs) console.log(`  ${''.padEnd(18)} ${splitText(m.cpuSplitUs)}`);
  }
  printSpin(http.scenarios);
  printMemory(http.scenarios);
  printSweeps(http.scenarios);
  if (rs.length > 0) {
    const list = (xs: number[]) => `[${xs.map((x) => x.toFixed(2)).join(' ')}]`;
    console.log('\nratios, same run only (per-round values in brackets)');
    console.log(`  ${''.padEnd(30)} ${'median req/s'.padStart(12)}  ${''.padEnd(16)} ${'by CPU/review'.padStart(13)}  ${''.padEnd(16)} ${'p50'.padStart(6)} ${'p99'.padStart(6)}`);
    for (const r of rs) {
      console.log(`  ${`${r.of} / ${r.to}`.padEnd(30)} ${fmtRatio(r.ofMedians).padStart(12)}  ${list(r.perRound).padEnd(16)} ${fmtRatio(r.byCpu).padStart(13)}  ` +
        `${list(r.byCpuPerRound).padEnd(16)} ${fmtRatio(r.p50).padStart(6)} ${fmtRatio(r.p99).padStart(6)}`);
    }
    console.log('  (p50, p99: A\'s latency over B\'s, lower is better for A)');
  }
  for (const note of http.notes) console.log(`note: ${note}`);
  if (http.errors > 0) console.log(`\nERRORS: ${http.errors} non-2xx responses or socket errors during the measured rounds (see the round lines)`);
}

const pct = (n: number, of: number) => (of > 0 ? `${Math.round((n / of) * 100)}%` : '-');

function workersText(n: number | undefined): string {
  return n === undefined ? 'no pool' : n === 0 ? 'inline' : `${n} worker${n === 1 ? '' : 's'}`;
}

/** Each spinning scenario next to its baseline (the scenario it compares to): the wrk load's latency with and without. */
function printSpin(results: readonly ScenarioResult[]): void {
  const spinning = results.filter((r) => r.median && r.rounds.some((x) => x.spin));
  if (spinning.length === 0) return;
  console.log('\nspinning handlers (medians of the wrk load; spinner counts summed over rounds)');
  for (const r of spinning) {
    const sum = (f: (x: NonNullable<RoundResult['spin']>) => number) => r.rounds.reduce((a, x) => a + (x.spin ? f(x.spin) : 0), 0);
    const replaced = r.rounds.reduce((a, x) => a + (x.workersReplaced ?? 0), 0);
    const maxLatency = Math.max(...r.rounds.map((x) => x.spin?.latencyMaxMs ?? Number.NaN).filter(Number.isFinite));
    const base = results.find((b) => b !== r && b.median && b.command?.join(' ') === r.command?.join(' ') && !b.rounds.some((x) => x.spin));
    const line = (x: ScenarioResult) => `  ${x.name.padEnd(18)} p50 ${fmtMs(x.median!.p50Ms)} ms  p99 ${fmtMs(x.median!.p99Ms)} ms  ` +
      `p99.9 ${fmtMs(x.median!.p999Ms)} ms  max ${fmtMs(x.median!.maxMs)} ms  ${fmtRps(x.median!.rps)} req/s`;
    if (base) console.log(`${line(base)}  (same server, no spinners)`);
    console.log(`${line(r)}  with /spin once a second`);
    const pad = `  ${''.padEnd(18)} `;
    const samples = sum((x) => x.pool.samples);
    console.log(`${pad}spinning reviews: ${sum((x) => x.sent)} sent, ${sum((x) => x.answered504)} answered 504 by failurePolicy ` +
      `(after ${fmtMs(median(r.rounds.map((x) => x.spin?.latencyP50Ms ?? Number.NaN))).trim()} ms median, max ${fmtMs(maxLatency).trim()} ms), ` +
      `${sum((x) => x.answeredOther)} answered otherwise, ${sum((x) => x.failed)} unanswered`);
    console.log(`${pad}workers replaced: ${replaced}; ` +
      `${r.rounds.every((x) => x.spin?.poolRecovered !== false) ? 'pool back to full size after every run' : 'POOL NOT BACK TO FULL SIZE after some run'}`);
    console.log(`${pad}pool sampled every 100 ms: no usable worker (all starting or stalled) in ${pct(sum((x) => x.pool.noneUsable), samples)}, ` +
      `all usable in ${pct(sum((x) => x.pool.allUsable), samples)} of ${samples} samples`);
  }
}

export function writeJson(file: string, data: {
  settings: HttpSettings;
  http: HttpResults;
  ratios: Ratio[];
  micro: MicroResult[];
}): void {
  const doc = {
    date: new Date().toISOString(),
    node: process.version,
    machine: { cpus: availableParallelism(), model: cpus()[0]?.model ?? 'unknown' },
    settings: { ...data.settings, pinned: data.http.pinned, wrkCpu: data.http.wrkCpu },
    loadAverage: data.http.loadAverage,
    scenarios: data.http.scenarios,
    ratios: data.ratios,
    errors: data.http.errors,
    notes: data.http.notes,
    micro: data.micro,
  };
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
}
