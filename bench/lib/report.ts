// The summary printed after the rounds, and the JSON written by --json.
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import type { HttpResults, HttpSettings, ScenarioResult } from './http.ts';
import type { MicroResult } from './micro.ts';
import type { Scenario } from './scenarios.ts';
import { fmtMs, fmtPct, fmtRatio, fmtRps, fmtUs } from './stats.ts';

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
      });
    }
  }
  return out;
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
    console.log(`  ${r.name.padEnd(18)} ${fmtRps(m.rps)} req/s  p50 ${fmtMs(m.p50Ms)} ms  p99 ${fmtMs(m.p99Ms)} ms  cpu ${fmtUs(m.cpuUsPerReview)} us/review, busy ${fmtPct(m.cpuBusy)}${log}`);
  }
  if (rs.length > 0) {
    const list = (xs: number[]) => `[${xs.map((x) => x.toFixed(2)).join(' ')}]`;
    console.log('\nratios, same run only (per-round values in brackets)');
    console.log(`  ${''.padEnd(30)} ${'median req/s'.padStart(12)}  ${''.padEnd(16)} ${'by CPU/review'.padStart(13)}`);
    for (const r of rs) {
      console.log(`  ${`${r.of} / ${r.to}`.padEnd(30)} ${fmtRatio(r.ofMedians).padStart(12)}  ${list(r.perRound).padEnd(16)} ${fmtRatio(r.byCpu).padStart(13)}  ${list(r.byCpuPerRound)}`);
    }
  }
  for (const note of http.notes) console.log(`note: ${note}`);
  if (http.errors > 0) console.log(`\nERRORS: ${http.errors} non-2xx responses or socket errors during the measured rounds (see the round lines)`);
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
    settings: { ...data.settings, serverCpu: data.http.serverCpu, wrkCpu: data.http.wrkCpu },
    loadAverage: data.http.loadAverage,
    scenarios: data.http.scenarios,
    ratios: data.ratios,
    errors: data.http.errors,
    notes: data.http.notes,
    micro: data.micro,
  };
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
}
