// The default report: one line per case, and under a failed case one line per
// failed expectation with what was expected and what came back.
import { styleText } from 'node:util';
import type { CaseResult } from './types.ts';
import { countsText, summarize, type ReportContext } from './summary.ts';

type Style = Parameters<typeof styleText>[0];

export function renderTable(results: readonly CaseResult[], ctx: ReportContext): string {
  const paint = (style: Style, text: string) => (ctx.color ? styleText(style, text, { validateStream: false }) : text);
  const idWidth = Math.min(60, Math.max(0, ...results.map((r) => r.case.id.length)));
  const lines: string[] = [];
  for (const r of results) {
    const head = `${r.case.id.padEnd(idWidth)}  ${r.case.name}  ${paint('dim', `-> ${r.case.webhook.name}`)}`;
    if (r.skipped) {
      lines.push(`${paint('yellow', 'SKIP')}  ${head}`, `      ${paint('yellow', '- not sent:')} ${r.skipped.reason}`);
      continue;
    }
    const mark = r.passed ? paint('green', 'PASS') : paint(['red', 'bold'], 'FAIL');
    lines.push(`${mark}  ${head}  ${paint('dim', `${r.latencyMs.toFixed(1)} ms`)}`);
    for (const note of r.notes ?? []) lines.push(`      ${paint('yellow', '! note:')} ${note}`);
    for (const f of r.failures) {
      lines.push(`      ${paint('red', `x ${f.check}:`)} ${f.message}`);
    }
  }
  const s = summarize(results);
  const counts = countsText(s);
  lines.push('', `${s.failed > 0 ? paint(['red', 'bold'], counts) : paint('green', counts)} ${paint('dim', `(${ctx.mode}, ${s.checks} checks, ${(ctx.durationMs / 1000).toFixed(2)} s)`)}`);
  return `${lines.join('\n')}\n`;
}
