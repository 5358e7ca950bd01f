// Checks a fixture's expectations against what the webhook answered. Every
// failure says what was expected and what came back.
import { parseGoDuration } from '../admission/deadline.ts';
import type { Expectation, TextMatcher } from './schema.ts';
import type { Failure, Observed } from './types.ts';
import { describeDifferences, differences, jsonEqual, preview } from './diff.ts';
import { isSecret, maskRedactedObject, maskRedactedPatch } from './redaction.ts';

export function matchesText(matcher: TextMatcher, actual: unknown): boolean {
  if (typeof actual !== 'string') return false;
  return typeof matcher === 'string' ? matcher === actual : new RegExp(matcher.matches, 'u').test(actual);
}

function showMatcher(matcher: TextMatcher): string {
  return typeof matcher === 'string' ? JSON.stringify(matcher) : `a match for /${matcher.matches}/`;
}

export function latencyBudgetMs(value: string | number): number {
  return typeof value === 'number' ? value : (parseGoDuration(value) ?? 0);
}

/** How many checks an expectation makes (for the counts in reports). */
export function countChecks(expect: Expectation | undefined): number {
  return expect ? Object.values(expect).filter((v) => v !== undefined).length : 0;
}

export function checkExpectations(expect: Expectation | undefined, observed: Observed, latencyMs: number, requestObject: unknown): Failure[] {
  if (!expect) return [];
  const failures: Failure[] = [];
  const fail = (check: string, message: string, expected: unknown, actual: unknown) => failures.push({ check, message, expected, actual });

  if (expect.allowed !== undefined && observed.allowed !== expect.allowed) {
    fail('allowed', `expected ${expect.allowed ? 'allowed' : 'denied'}, got ${observed.allowed === undefined ? 'no decision' : observed.allowed ? 'allowed' : 'denied'}${observed.message ? ` (${preview(observed.message)})` : ''}`, expect.allowed, observed.allowed);
  }
  if (expect.code !== undefined && observed.code !== expect.code) {
    fail('code', `expected status code ${expect.code}, got ${observed.code ?? '(none)'}`, expect.code, observed.code);
  }
  for (const field of ['message', 'reason'] as const) {
    const want = expect[field];
    if (want !== undefined && !matchesText(want, observed[field])) {
      fail(field, `expected ${showMatcher(want)}, got ${preview(observed[field])}`, want, observed[field]);
    }
  }
  if (expect.warnings !== undefined) {
    const actual = observed.warnings ?? [];
    const ok = actual.length === expect.warnings.length && expect.warnings.every((m, i) => matchesText(m, actual[i]));
    if (!ok) fail('warnings', `expected ${expect.warnings.length} warning(s) [${expect.warnings.map(showMatcher).join(', ')}], got ${actual.length} ${preview(actual)}`, expect.warnings, actual);
  }
  if (expect.auditAnnotations !== undefined) {
    const actual = observed.auditAnnotations ?? {};
    const wanted = Object.keys(expect.auditAnnotations);
    const problems = [
      ...wanted.filter((k) => !(k in actual)).map((k) => `${k} missing`),
      ...Object.keys(actual).filter((k) => !(k in expect.auditAnnotations!)).map((k) => `${k} not expected`),
      ...wanted.filter((k) => k in actual && !matchesText(expect.auditAnnotations![k]!, actual[k])).map((k) => `${k}: expected ${showMatcher(expect.auditAnnotations![k]!)}, got ${preview(actual[k])}`),
    ];
    if (problems.length > 0) fail('auditAnnotations', problems.join('; '), expect.auditAnnotations, actual);
  }
  const secret = isSecret(requestObject);
  if (expect.patch !== undefined) {
    const want = expect.patch ?? [];
    const actual = maskRedactedPatch(want, observed.patch ?? [], secret);
    if (!jsonEqual(want, actual)) {
      const detail = want.length === 0 ? `expected no patch, got ${preview(actual, 400)}`
        : actual.length === 0 ? `expected ${want.length} operation(s), got no patch`
        : describeDifferences(differences(want, actual));
      fail('patch', detail, want, observed.patch ?? []);
    }
  }
  if (expect.object !== undefined) {
    const actual = maskRedactedObject(expect.object, observed.patchedObject);
    const diffs = differences(expect.object, actual);
    if (diffs.length > 0) fail('object', `the patched object differs ${describeDifferences(diffs)}`, expect.object, observed.patchedObject);
  }
  if (expect.idempotent && observed.secondPatch !== undefined && observed.secondPatch.length > 0) {
    fail('idempotent', `reviewing the patched object again returned a patch: ${preview(observed.secondPatch, 400)}`, [], observed.secondPatch);
  }
  if (expect.maxLatency !== undefined) {
    const budget = latencyBudgetMs(expect.maxLatency);
    if (latencyMs > budget) fail('maxLatency', `took ${latencyMs.toFixed(1)} ms, over the budget of ${budget} ms`, budget, Number(latencyMs.toFixed(3)));
  }
  return failures;
}
