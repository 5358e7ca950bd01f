// Machine-readable report: one object with the counts and every case's result,
// the answer included (patch values into Secret data redacted).
import type { CaseResult } from './types.ts';
import { summarize, type ReportContext } from './summary.ts';
import { isSecret, redactPatch } from './redaction.ts';
import type { PatchOperation } from '../admission/patch.ts';

export function renderJson(results: readonly CaseResult[], ctx: ReportContext): string {
  const report = {
    mode: ctx.mode,
    durationMs: Number(ctx.durationMs.toFixed(1)),
    summary: summarize(results),
    results: results.map((r) => {
      const o = r.observed;
      return {
        id: r.case.id,
        file: r.case.file,
        document: r.case.document,
        name: r.case.name,
        webhook: r.case.webhook.name,
        passed: r.passed,
        ...(!r.sent && { sent: false }),
        ...(r.skipped && { skipped: r.skipped }),
        ...(r.notes && { notes: r.notes }),
        latencyMs: Number(r.latencyMs.toFixed(3)),
        failures: r.failures,
        answer: o && {
          httpStatus: o.httpStatus,
          allowed: o.allowed,
          code: o.code,
          message: o.message,
          reason: o.reason,
          warnings: o.warnings,
          auditAnnotations: o.auditAnnotations,
          patch: redactPatch((o.patch ?? []) as PatchOperation[], isSecret(r.case.review.request.object)),
        },
      };
    }),
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}
