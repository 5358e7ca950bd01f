// Replays cases one after another: send, judge by the apiserver's rules, review
// the patched object again when idempotence is asked for, check expectations.
import { randomUUID } from 'node:crypto';
import type { Sender } from './answer.ts';
import type { CaseResult, Failure, Observed, ReplayCase } from './types.ts';
import { judgeAnswer, type Judged } from './contract.ts';
import { checkExpectations, countChecks } from './expect.ts';

export interface RunOptions {
  /** Review patched objects again even when no fixture asks (--record wants to know). */
  probeIdempotence?: boolean;
  onResult?(result: CaseResult): void;
}

export function observe(httpStatus: number, judged: Judged): Observed {
  const r = judged.response ?? {};
  const status = (typeof r.status === 'object' && r.status !== null ? r.status : {}) as Record<string, unknown>;
  const observed: Observed = { httpStatus, patch: judged.patch, patchedObject: judged.patchedObject };
  if (typeof r.allowed === 'boolean') observed.allowed = r.allowed;
  if (typeof status.code === 'number') observed.code = status.code;
  if (typeof status.message === 'string') observed.message = status.message;
  if (typeof status.reason === 'string') observed.reason = status.reason;
  if (Array.isArray(r.warnings)) observed.warnings = r.warnings as string[];
  if (typeof r.auditAnnotations === 'object' && r.auditAnnotations !== null) observed.auditAnnotations = r.auditAnnotations as Record<string, string>;
  return observed;
}

/**
 * The result of a case replay does not send: the apiserver would not call the
 * webhook for it (skipped, unless the fixture expects either way), would reject
 * the request itself, or the fixture expects it not to be sent.
 */
function unsentResult(c: ReplayCase): CaseResult | undefined {
  const { match } = c;
  const expected = c.expect?.sent;
  const base = { case: c, sent: false, latencyMs: 0, observed: undefined };
  if (match.sent) {
    if (expected !== false) return undefined;
    const message = `expected the apiserver not to send this request to ${c.webhook.name}, but its rules, selectors and matchConditions all match`;
    return { ...base, passed: false, checks: 1, failures: [{ check: 'sent', message, expected: false, actual: true }] };
  }
  if ('rejected' in match) return { ...base, passed: false, checks: 1, failures: [{ check: 'matchConditions', message: match.rejected }] };
  const { reason } = match.skipped;
  if (expected === false) return { ...base, passed: true, checks: 1, failures: [], notes: [`not sent: ${reason}`] };
  if (expected === true) return { ...base, passed: false, checks: 1, failures: [{ check: 'sent', message: `not sent: ${reason}`, expected: true, actual: false }] };
  return { ...base, passed: false, checks: 0, failures: [], skipped: match.skipped };
}

export async function runCase(c: ReplayCase, sender: Sender, options: RunOptions = {}): Promise<CaseResult> {
  const unsent = unsentResult(c);
  if (unsent !== undefined) {
    options.onResult?.(unsent);
    return unsent;
  }
  const answer = await sender.send(c.webhook, Buffer.from(JSON.stringify(c.review)), c.timeout);
  const judged = judgeAnswer(c.webhook, c.review, answer);
  const failures: Failure[] = [...judged.violations];
  const observed = judged.response ? observe(answer.httpStatus, judged) : undefined;

  // Reinvocation: the apiserver may call again, with a new uid, on the object as patched.
  if (observed && judged.patch.length > 0 && judged.violations.length === 0 && (c.expect?.idempotent || options.probeIdempotence)) {
    const again = { ...c.review, request: { ...c.review.request, uid: randomUUID(), object: judged.patchedObject } };
    const second = judgeAnswer(c.webhook, again, await sender.send(c.webhook, Buffer.from(JSON.stringify(again)), c.timeout));
    for (const v of second.violations) failures.push({ ...v, message: `reviewing the patched object again: ${v.message}` });
    if (second.response) observed.secondPatch = second.patch;
  }
  if (observed) failures.push(...checkExpectations(c.expect, observed, answer.latencyMs, c.review.request.object));
  else if (judged.violations.length === 0) failures.push({ check: 'call', message: 'no answer to check' });
  const notes = c.match.sent ? c.match.notes : [];
  const result: CaseResult = {
    case: c,
    passed: failures.length === 0,
    sent: true,
    ...(notes.length > 0 && { notes }),
    latencyMs: answer.latencyMs,
    checks: 1 + countChecks(c.expect),
    failures,
    observed,
  };
  options.onResult?.(result);
  return result;
}

export async function runCases(cases: readonly ReplayCase[], sender: Sender, options: RunOptions = {}): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const c of cases) results.push(await runCase(c, sender, options));
  return results;
}
