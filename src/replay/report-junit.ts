// JUnit XML, the report CI systems read: a testsuite per fixture file, a
// testcase per document, a <failure> listing every failed expectation.
import type { CaseResult } from './types.ts';
import { summarize, type ReportContext } from './summary.ts';
import { escapeAttribute, escapeText } from './xml.ts';

const seconds = (ms: number) => (ms / 1000).toFixed(3);

export function renderJunit(results: readonly CaseResult[], ctx: ReportContext): string {
  const byFile = new Map<string, CaseResult[]>();
  for (const r of results) byFile.set(r.case.file, [...(byFile.get(r.case.file) ?? []), r]);
  const s = summarize(results);
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="kadmit replay (${ctx.mode})" tests="${s.total}" failures="${s.failed}" errors="0" time="${seconds(ctx.durationMs)}">`,
  ];
  for (const [file, cases] of byFile) {
    const failed = cases.filter((r) => !r.passed).length;
    const time = cases.reduce((n, r) => n + r.latencyMs, 0);
    out.push(`  <testsuite name="${escapeAttribute(file)}" tests="${cases.length}" failures="${failed}" errors="0" time="${seconds(time)}">`);
    for (const r of cases) {
      const attrs = `classname="${escapeAttribute(file)}" name="${escapeAttribute(`#${r.case.document} ${r.case.name}`)}" time="${seconds(r.latencyMs)}"`;
      if (r.passed) {
        out.push(`    <testcase ${attrs}/>`);
        continue;
      }
      const first = r.failures[0]!;
      const body = r.failures.map((f) => `${f.check}: ${f.message}`).join('\n');
      out.push(
        `    <testcase ${attrs}>`,
        `      <failure message="${escapeAttribute(`${first.check}: ${first.message}`)}" type="${escapeAttribute(first.check)}">${escapeText(body)}</failure>`,
        '    </testcase>',
      );
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}
