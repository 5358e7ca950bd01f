// JUnit XML, the report CI systems read: a testsuite per fixture file, a
// testcase per document, a <failure> listing every failed expectation.
import type { CaseResult } from './types.ts';
import { summarize, type ReportContext } from './summary.ts';
import { escapeAttribute, escapeText } from './xml.ts';

const seconds = (ms: number) => (ms / 1000).toFixed(3);

// What goes inside a <testcase>: why it was skipped, every failed expectation, notes.
function caseBody(r: CaseResult): string[] {
  if (r.skipped) return [`<skipped message="${escapeAttribute(r.skipped.reason)}"/>`];
  const lines: string[] = [];
  if (!r.passed) {
    const first = r.failures[0]!;
    const body = r.failures.map((f) => `${f.check}: ${f.message}`).join('\n');
    lines.push(`<failure message="${escapeAttribute(`${first.check}: ${first.message}`)}" type="${escapeAttribute(first.check)}">${escapeText(body)}</failure>`);
  }
  const notes = r.notes ?? [];
  if (notes.length > 0) lines.push(`<system-out>${escapeText(notes.join('\n'))}</system-out>`);
  return lines;
}

export function renderJunit(results: readonly CaseResult[], ctx: ReportContext): string {
  const byFile = new Map<string, CaseResult[]>();
  for (const r of results) byFile.set(r.case.file, [...(byFile.get(r.case.file) ?? []), r]);
  const s = summarize(results);
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="kadmit replay (${ctx.mode})" tests="${s.total}" failures="${s.failed}" errors="0"${s.skipped ? ` skipped="${s.skipped}"` : ''} time="${seconds(ctx.durationMs)}">`,
  ];
  for (const [file, cases] of byFile) {
    const skipped = cases.filter((r) => r.skipped).length;
    const failed = cases.filter((r) => !r.passed).length - skipped;
    const time = cases.reduce((n, r) => n + r.latencyMs, 0);
    out.push(`  <testsuite name="${escapeAttribute(file)}" tests="${cases.length}" failures="${failed}" errors="0"${skipped > 0 ? ` skipped="${skipped}"` : ''} time="${seconds(time)}">`);
    for (const r of cases) {
      const attrs = `classname="${escapeAttribute(file)}" name="${escapeAttribute(`#${r.case.document} ${r.case.name}`)}" time="${seconds(r.latencyMs)}"`;
      const body = caseBody(r);
      if (body.length === 0) out.push(`    <testcase ${attrs}/>`);
      else out.push(`    <testcase ${attrs}>`, ...body.map((line) => `      ${line}`), '    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}
