// `kadmit bench --compare baseline.json --threshold 10%`: a webhook regressed
// when a gated latency grew by more than the threshold, or its throughput fell
// by more than it. Pure arithmetic over two reports, so it is tested with
// made-up numbers rather than with timing.
import { z } from 'zod';
import { UsageError } from '../config/load.ts';
import { formatJsonPath } from '../json-path.ts';
import type { BenchReport } from './bench.ts';

export type Metric = 'min' | 'p50' | 'p95' | 'p99' | 'rps';
export const METRICS: readonly Metric[] = ['min', 'p50', 'p95', 'p99', 'rps'];
/** p99 of a short run moves with any hiccup of the machine; gate on it by choice (--gate). */
export const DEFAULT_GATE: readonly Metric[] = ['p50', 'p95', 'rps'];

const EPSILON = 1e-9;

const FIELD: Record<Metric, 'minMs' | 'p50Ms' | 'p95Ms' | 'p99Ms' | 'reqPerSec'> = { min: 'minMs', p50: 'p50Ms', p95: 'p95Ms', p99: 'p99Ms', rps: 'reqPerSec' };

const nonNegative = z.number().min(0);
export const benchReportSchema = z.looseObject({
  kadmit: z.literal('bench'),
  version: z.literal(1),
  webhooks: z.array(z.looseObject({
    webhook: z.string().min(1),
    count: nonNegative,
    reqPerSec: nonNegative,
    minMs: nonNegative,
    p50Ms: nonNegative,
    p95Ms: nonNegative,
    p99Ms: nonNegative,
  })),
});

export function parseBaseline(text: string, file: string): BenchReport {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--compare: ${file} is not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const result = benchReportSchema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${formatJsonPath(i.path, '(root)')}: ${i.message}`);
    throw new UsageError(`--compare: ${file} is not a kadmit bench --json report:\n  ${problems.join('\n  ')}`);
  }
  return result.data as unknown as BenchReport;
}

/** `10%` or `10` -> 0.1. */
export function parseThreshold(text: string): number {
  const m = /^(\d+(?:\.\d+)?)%?$/.exec(text.trim());
  if (!m) throw new UsageError(`--threshold: expected a percentage such as 10% (got ${JSON.stringify(text)})`);
  return Number(m[1]) / 100;
}

export function parseGate(text: string): Metric[] {
  const gate = text.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = gate.filter((m) => !METRICS.includes(m as Metric));
  if (bad.length > 0 || gate.length === 0) throw new UsageError(`--gate: expected a comma-separated list of ${METRICS.join(', ')} (got ${JSON.stringify(text)})`);
  return gate as Metric[];
}

export interface ComparisonRow {
  webhook: string;
  metric: Metric;
  baseline: number;
  current: number;
  /** current / baseline - 1; undefined when the baseline is 0. */
  change: number | undefined;
  regression: boolean;
}

export interface Comparison {
  rows: ComparisonRow[];
  /** In the baseline, not measured now. */
  missing: string[];
  /** Measured now, not in the baseline. */
  added: string[];
  regressions: ComparisonRow[];
}

export function compareBench(baseline: BenchReport, current: BenchReport, options: { threshold: number; gate: readonly Metric[] }): Comparison {
  const before = new Map(baseline.webhooks.map((w) => [w.webhook, w]));
  const now = new Set(current.webhooks.map((w) => w.webhook));
  const rows: ComparisonRow[] = [];
  for (const cur of current.webhooks) {
    const base = before.get(cur.webhook);
    if (!base) continue;
    for (const metric of options.gate) {
      const b = base[FIELD[metric]];
      const c = cur[FIELD[metric]];
      const change = b > 0 ? c / b - 1 : undefined;
      // Latency regresses upwards, throughput downwards; the epsilon keeps 1.1/1 - 1 from counting as above 10%.
      const regression = change !== undefined && (metric === 'rps' ? change < -options.threshold - EPSILON : change > options.threshold + EPSILON);
      rows.push({ webhook: cur.webhook, metric, baseline: b, current: c, change, regression });
    }
  }
  return {
    rows,
    missing: baseline.webhooks.map((w) => w.webhook).filter((w) => !now.has(w)),
    added: current.webhooks.map((w) => w.webhook).filter((w) => !before.has(w)),
    regressions: rows.filter((r) => r.regression),
  };
}
