// Counts shared by every report format.
import type { CaseResult } from './types.ts';

export interface Summary {
  total: number;
  passed: number;
  failed: number;
  checks: number;
}

export function summarize(results: readonly CaseResult[]): Summary {
  const passed = results.filter((r) => r.passed).length;
  return { total: results.length, passed, failed: results.length - passed, checks: results.reduce((n, r) => n + r.checks, 0) };
}

export type ReportFormat = 'table' | 'json' | 'tap' | 'junit';
export const REPORT_FORMATS: readonly ReportFormat[] = ['table', 'json', 'tap', 'junit'];

export interface ReportContext {
  mode: 'in-process' | 'url';
  durationMs: number;
  color: boolean;
}
