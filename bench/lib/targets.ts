// The targets `npm run bench` holds kadmit to, in one place. Each is a ratio
// between two scenarios of the same run (or, for memory and start-up, a
// bound on one server); the bench exits 1 when any is missed, so a change
// that slows kadmit is caught when its author runs the bench.
import type { ScenarioResult } from './http.ts';
import { fmtRatio } from './stats.ts';

type Metric = 'cpuUsPerReview' | 'rps' | 'p99Ms';

interface RatioTarget {
  kind: 'ratio';
  of: string;
  to: string;
  metric: Metric;
  /** `of` over `to` must stay at or below `max` (or at or above `min`). */
  max?: number;
  min?: number;
}

interface BoundTarget {
  kind: 'bound';
  scenario: string;
  metric: 'idleMiB' | 'restedMiB' | 'readyMs';
  max: number;
  /** Fewest reviews the server must have served for the bound to be judged (memory after load). */
  minReviews?: number;
}

export type Target = RatioTarget | BoundTarget;

export const TARGETS: readonly Target[] = [
  // CPU per review with the full pipeline (schema check, worker, watchdog, logs, metrics).
  { kind: 'ratio', of: 'kadmit', to: 'nodelimit', metric: 'cpuUsPerReview', max: 1.5 },
  { kind: 'ratio', of: 'kadmit', to: 'go', metric: 'cpuUsPerReview', max: 1.0 },
  // One core: throughput and tail latency at 16 connections.
  { kind: 'ratio', of: 'kadmit', to: 'nodelimit', metric: 'rps', min: 0.7 },
  { kind: 'ratio', of: 'kadmit', to: 'nodelimit', metric: 'p99Ms', max: 2.0 },
  // The default server (two workers): idle, and after 20k reviews and a rest.
  { kind: 'bound', scenario: 'kadmit-2cores', metric: 'idleMiB', max: 128 },
  { kind: 'bound', scenario: 'kadmit-2cores', metric: 'restedMiB', max: 160, minReviews: 20_000 },
  { kind: 'bound', scenario: 'kadmit-2cores', metric: 'readyMs', max: 500 },
];

export interface TargetVerdict {
  text: string;
  /** undefined: not judged (a scenario not run, or too few reviews). */
  met: boolean | undefined;
}

const UNITS: Record<BoundTarget['metric'], string> = { idleMiB: 'MiB idle', restedMiB: 'MiB after load and rest', readyMs: 'ms to ready' };

function judgeRatio(t: RatioTarget, byName: ReadonlyMap<string, ScenarioResult>): TargetVerdict {
  const a = byName.get(t.of)?.median?.[t.metric];
  const b = byName.get(t.to)?.median?.[t.metric];
  const bound = t.max !== undefined ? `<= ${fmtRatio(t.max)}` : `>= ${fmtRatio(t.min!)}`;
  const label = `${t.metric === 'cpuUsPerReview' ? 'CPU per review' : t.metric === 'rps' ? 'req/s' : 'p99'} ${t.of} / ${t.to}`;
  if (a === undefined || b === undefined || !Number.isFinite(a / b)) return { text: `${label.padEnd(40)} not run (target ${bound})`, met: undefined };
  const ratio = a / b;
  const met = (t.max === undefined || ratio <= t.max) && (t.min === undefined || ratio >= t.min);
  return { text: `${label.padEnd(40)} ${fmtRatio(ratio).padStart(7)}  target ${bound}`, met };
}

function judgeBound(t: BoundTarget, byName: ReadonlyMap<string, ScenarioResult>): TargetVerdict {
  const memory = byName.get(t.scenario)?.memory;
  const value = memory?.[t.metric];
  const label = `${t.scenario} ${UNITS[t.metric]}`;
  if (memory === undefined || value === undefined) return { text: `${label.padEnd(40)} not run (target <= ${t.max})`, met: undefined };
  if (t.minReviews !== undefined && memory.reviews < t.minReviews) {
    return { text: `${label.padEnd(40)} ${value.toFixed(0).padStart(7)}  not judged: ${memory.reviews} reviews served, the target needs ${t.minReviews}`, met: undefined };
  }
  return { text: `${label.padEnd(40)} ${value.toFixed(0).padStart(7)}  target <= ${t.max}`, met: value <= t.max };
}

export function judgeTargets(results: readonly ScenarioResult[], targets: readonly Target[] = TARGETS): TargetVerdict[] {
  const byName = new Map(results.map((r) => [r.name, r]));
  return targets.map((t) => (t.kind === 'ratio' ? judgeRatio(t, byName) : judgeBound(t, byName)));
}

export function printTargets(verdicts: readonly TargetVerdict[]): void {
  console.log('\ntargets (bench/lib/targets.ts)');
  for (const v of verdicts) console.log(`  ${v.met === undefined ? '  -   ' : v.met ? '  met ' : 'MISSED'}  ${v.text}`);
}
