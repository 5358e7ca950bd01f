// Counts shared by every report format.
import type { CaseResult } from './types.ts';

export interface Summary {
  total: number;
  passed: number;
  failed: number;
  /** Present when a case was skipped (the apiserver would not send it to its webhook). */
  skipped?: number;
  checks: number;
}

export function summarize(results: readonly CaseResult[]): Summary {
  const passed = results.filter((r) => r.passed).length;
  const skipped = results.filter((r) => r.skipped).length;
  return {
    total: results.length,
    passed,
    failed: results.length - passed - skipped,
    ...(skipped > 0 && { skipped }),
    checks: results.reduce((n, r) => n + r.checks, 0),
  };
}

/** `3 cases: 2 passed, 0 failed` (`, 1 skipped` when any was). */
export function countsText(s: Summary): string {
  return `${s.total} case${s.total === 1 ? '' : 's'}: ${s.passed} passed, ${s.failed} failed${s.skipped ? `, ${s.skipped} skipped` : ''}`;
}


export type ReportFormat = 'table' | 'json' | 'tap' | 'junit';
export const REPORT_FORMATS: readonly ReportFormat[] = ['table', 'json', 'tap', 'junit'];

export interface ReportContext {
  mode: 'in-process' | 'url';
  durationMs: number;
  color: boolean;
}
