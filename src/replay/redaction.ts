// Secret data never reaches a file that --record writes: patch values that
// land in a Secret's data/stringData are redacted like redactSecretData does
// for objects, and a redacted expected value then matches any actual value.
import { redactSecretData } from '../observability/redact.ts';
import type { PatchOperation } from '../admission/patch.ts';

/** The marker redactSecretData writes in place of each value. */
export const REDACTED = '[REDACTED]';

const SECRET_DATA = /^\/(data|stringData)(\/|$)/;

/** The same test redactSecretData applies: a core/v1 Secret. */
export function isSecret(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const { kind, apiVersion } = value as { kind?: unknown; apiVersion?: unknown };
  return kind === 'Secret' && (apiVersion === 'v1' || apiVersion === undefined);
}

/** Copies of the operations with values written into Secret data replaced by the marker. */
export function redactPatch(ops: readonly PatchOperation[], secret: boolean): PatchOperation[] {
  if (!secret) return [...ops];
  return ops.map((op) => {
    if (!('value' in op)) return op;
    if (op.path === '') return { ...op, value: redactSecretData(op.value) };
    const match = SECRET_DATA.exec(op.path);
    if (!match) return op;
    const whole = match[2] === '';
    const value = whole
      ? (redactSecretData({ apiVersion: 'v1', kind: 'Secret', [match[1]!]: op.value }) as Record<string, unknown>)[match[1]!]
      : REDACTED;
    return { ...op, value };
  });
}

function maskMap(expected: unknown, actual: unknown): unknown {
  if (expected === REDACTED) return REDACTED;
  if (typeof expected !== 'object' || expected === null || typeof actual !== 'object' || actual === null || Array.isArray(actual)) return actual;
  const out: Record<string, unknown> = { ...(actual as Record<string, unknown>) };
  for (const [key, value] of Object.entries(expected)) if (value === REDACTED && key in out) out[key] = REDACTED;
  return out;
}

/** `actual` with Secret data values masked wherever `expected` holds the marker. */
export function maskRedactedObject(expected: unknown, actual: unknown): unknown {
  if (!isSecret(actual) || typeof expected !== 'object' || expected === null) return actual;
  const out = { ...(actual as Record<string, unknown>) };
  for (const field of ['data', 'stringData']) {
    if (field in out) out[field] = maskMap((expected as Record<string, unknown>)[field], out[field]);
  }
  return out;
}

/** `actual` operations with values masked where the expected operation on the same Secret data path holds the marker. */
export function maskRedactedPatch(expected: readonly unknown[], actual: readonly unknown[], secret: boolean): unknown[] {
  if (!secret) return [...actual];
  return actual.map((op, i) => {
    const want = expected[i] as { path?: unknown; value?: unknown } | undefined;
    const got = op as { path?: unknown; value?: unknown };
    if (!want || typeof got !== 'object' || got === null || got.path !== want.path || typeof got.path !== 'string' || !SECRET_DATA.test(got.path)) return op;
    return { ...got, value: maskMap(want.value, got.value) };
  });
}
