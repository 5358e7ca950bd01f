// TAP version 14: a test point per case, failures as a YAML diagnostic block.
import { stringify } from 'yaml';
import type { CaseResult } from './types.ts';
import { summarize, type ReportContext } from './summary.ts';

// `#` starts a directive in a TAP description; line breaks end it.
function description(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/\\/g, '\\\\').replace(/#/g, '\\#');
}

export function renderTap(results: readonly CaseResult[], ctx: ReportContext): string {
  const lines = ['TAP version 14', `1..${results.length}`];
  results.forEach((r, i) => {
    const point = `${i + 1} - ${description(`${r.case.id} ${r.case.name}`)}`;
    if (r.skipped) {
      lines.push(`ok ${point} # SKIP ${description(r.skipped.reason)}`);
      return;
    }
    lines.push(`${r.passed ? 'ok' : 'not ok'} ${point}`);
    for (const note of r.notes ?? []) lines.push(`# note: ${description(note)}`);
    if (!r.passed) {
      const diag = stringify({ webhook: r.case.webhook.name, latencyMs: Number(r.latencyMs.toFixed(3)), failures: r.failures }, { lineWidth: 0 });
      lines.push('  ---', ...diag.trimEnd().split('\n').map((l) => `  ${l}`), '  ...');
    }
  });
  const s = summarize(results);
  lines.push(`# ${s.total} cases: ${s.passed} passed, ${s.failed} failed${s.skipped ? `, ${s.skipped} skipped` : ''} (${ctx.mode})`);
  return `${lines.join('\n')}\n`;
}
