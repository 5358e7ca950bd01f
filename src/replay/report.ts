// Picks the renderer for --format.
import type { CaseResult } from './types.ts';
import type { ReportContext, ReportFormat } from './summary.ts';
import { renderTable } from './report-table.ts';
import { renderJson } from './report-json.ts';
import { renderTap } from './report-tap.ts';
import { renderJunit } from './report-junit.ts';

const RENDERERS: Record<ReportFormat, (results: readonly CaseResult[], ctx: ReportContext) => string> = {
  table: renderTable,
  json: renderJson,
  tap: renderTap,
  junit: renderJunit,
};

export function renderReport(format: ReportFormat, results: readonly CaseResult[], ctx: ReportContext): string {
  return RENDERERS[format](results, ctx);
}
