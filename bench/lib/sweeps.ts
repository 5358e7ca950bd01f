// The report's memory table and the sweeps: how kadmit's cost and latency move
// with connections, body size and webhooks loaded, next to the peers at the
// same point. Each row names the scenarios it reads (bench/lib/scenarios.ts);
// the main scenarios are the middle point of each sweep.
import type { ScenarioResult } from './http.ts';
import { fmtMs, fmtRatio, fmtRps, fmtUs } from './stats.ts';

interface SweepRow {
  label: string;
  kadmit: string;
  peers: readonly string[];
}

const SWEEPS: readonly { title: string; rows: readonly SweepRow[]; showSize?: boolean }[] = [
  {
    title: 'connections (5 KB review)',
    rows: [
      { label: '1', kadmit: 'kadmit-c1', peers: ['nodelimit-c1', 'go-c1'] },
      { label: '16', kadmit: 'kadmit', peers: ['nodelimit', 'go'] },
      { label: '64', kadmit: 'kadmit-c64', peers: ['nodelimit-c64', 'go-c64'] },
    ],
  },
  {
    title: 'body size (16 connections)',
    showSize: true,
    rows: [
      { label: '1 KB', kadmit: 'kadmit-1k', peers: ['nodelimit-1k'] },
      { label: '5 KB', kadmit: 'kadmit', peers: ['nodelimit'] },
      { label: '100 KB', kadmit: 'kadmit-100k', peers: ['nodelimit-100k'] },
      { label: '1 MB', kadmit: 'kadmit-1m', peers: ['nodelimit-1m'] },
    ],
  },
  {
    title: 'webhooks loaded (5 KB review, 16 connections)',
    rows: [
      { label: '1', kadmit: 'kadmit', peers: [] },
      { label: '10', kadmit: 'kadmit-wh10', peers: [] },
      { label: '50', kadmit: 'kadmit-wh50', peers: [] },
    ],
  },
];

function cell(r: ScenarioResult | undefined): string {
  const m = r?.median;
  if (!m) return `${(r?.name ?? '').padEnd(15)} not run`;
  return `${r.name.padEnd(15)} ${fmtUs(m.cpuUsPerReview)} us ${fmtRps(m.rps)} req/s p50 ${fmtMs(m.p50Ms)} p99 ${fmtMs(m.p99Ms)} ms`;
}

export function printSweeps(results: readonly ScenarioResult[]): void {
  const byName = new Map(results.map((r) => [r.name, r]));
  for (const sweep of SWEEPS) {
    const measured = sweep.rows.filter((row) => byName.get(row.kadmit)?.median);
    // A sweep is shown when one of its own points (not only the shared middle one) was run.
    if (measured.length < 2) continue;
    console.log(`\nsweep: ${sweep.title}; kadmit's CPU per review and p99 over each peer's`);
    for (const row of sweep.rows) {
      const k = byName.get(row.kadmit);
      const vs = row.peers.map((p) => byName.get(p)).filter((p) => p?.median && k?.median)
        .map((p) => `cpu ${fmtRatio(k!.median!.cpuUsPerReview / p!.median!.cpuUsPerReview)} p99 ${fmtRatio(k!.median!.p99Ms / p!.median!.p99Ms)} of ${p!.name}`);
      const size = !sweep.showSize || k?.bodyBytes === undefined ? '' : ` (${(k.bodyBytes / 1024).toFixed(1)} KiB)`;
      console.log(`  ${`${row.label}${size}`.padEnd(20)} ${cell(k)}${vs.length ? `   ${vs.join(', ')}` : ''}`);
      for (const p of row.peers) if (byName.get(p)?.median) console.log(`  ${''.padEnd(20)} ${cell(byName.get(p))}`);
    }
  }
}

/** One line per server process: its resident memory idle, after load, after rest, and kadmit's start-up. */
export function printMemory(results: readonly ScenarioResult[]): void {
  const seen = new Set<object>();
  const lines: string[] = [];
  for (const r of results) {
    const m = r.memory;
    if (!m || seen.has(m)) continue;
    seen.add(m);
    const mib = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(0)).padStart(4);
    const workers = r.workers === undefined ? '' : r.workers === 0 ? ', inline' : `, ${r.workers} worker${r.workers === 1 ? '' : 's'}`;
    lines.push(`  ${r.name.padEnd(18)} idle ${mib(m.idleMiB)}  after load ${mib(m.loadedMiB)}  after ${m.restSeconds} s rest ${mib(m.restedMiB)} MiB` +
      `  (${m.reviews.toLocaleString('en-US')} reviews${workers}, cpu ${r.cpus})${m.readyMs === undefined ? '' : `  ready ${m.readyMs.toFixed(0)} ms after spawn`}`);
  }
  if (lines.length === 0) return;
  console.log('\nresident memory (RSS, all threads) per server process, named by its first scenario');
  for (const line of lines) console.log(line);
}
