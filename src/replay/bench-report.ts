// Text output of `kadmit bench`: the latency table and the comparison.
import type { BenchReport } from './bench.ts';
import type { Comparison } from './bench-compare.ts';

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

const ms = (n: number) => n.toFixed(3);

export function renderBench(report: BenchReport): string {
  const rows = report.webhooks.map((w) => [w.webhook, String(w.count), String(w.errors), w.reqPerSec.toFixed(1), ms(w.minMs), ms(w.p50Ms), ms(w.p95Ms), ms(w.p99Ms)]);
  return `${table(['webhook', 'count', 'errors', 'req/s', 'min ms', 'p50 ms', 'p95 ms', 'p99 ms'], rows)}\n(${report.mode}, concurrency ${report.concurrency})\n`;
}

export function renderComparison(c: Comparison, threshold: number): string {
  const pct = (n: number | undefined) => (n === undefined ? 'n/a' : `${n >= 0 ? '+' : ''}${(n * 100).toFixed(1)}%`);
  const rows = c.rows.map((r) => [r.webhook, r.metric, r.baseline.toFixed(3), r.current.toFixed(3), pct(r.change), r.regression ? 'REGRESSION' : 'ok']);
  const lines = [table(['webhook', 'metric', 'baseline', 'current', 'change', ''], rows)];
  for (const w of c.missing) lines.push(`note: ${w} is in the baseline but was not measured`);
  for (const w of c.added) lines.push(`note: ${w} is not in the baseline`);
  lines.push(c.regressions.length > 0
    ? `${c.regressions.length} regression(s) beyond ${(threshold * 100).toFixed(1)}%`
    : `no regression beyond ${(threshold * 100).toFixed(1)}%`);
  return `${lines.join('\n')}\n`;
}
