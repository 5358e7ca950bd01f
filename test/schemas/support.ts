// Shared helpers for the schema tests (not a test file itself).
import { readFileSync } from 'node:fs';
import type { GroupVersionKind } from '../../src/schemas/gvk.ts';

export const root = new URL('../../', import.meta.url);

export function readJson(path: string): unknown {
  return JSON.parse(readFileSync(new URL(path, root), 'utf8'));
}

/** A fresh copy of the Pod inside test/fixtures/pod-create-5k.json. */
export function pod5k(): Record<string, any> {
  const review = readJson('test/fixtures/pod-create-5k.json') as { request: { object: Record<string, any> } };
  return review.request.object;
}

export const POD: GroupVersionKind = { group: '', version: 'v1', kind: 'Pod' };

/** Freezes a JSON value all the way down, so any write by the code under test throws. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
