// Kubernetes' lists library (isSorted, sum, min, max, indexOf, lastIndexOf) and
// cel-go's sets extension (sets.contains, sets.equivalent, sets.intersects).
import type { Environment } from '@marcbachmann/cel-js';
import { celError } from './errors.ts';
import { celCompare, celEquals, checkedInt } from './values.ts';

/** Receiver type of the `sets` namespace. */
export class SetsNamespace {}

function isSorted(list: readonly unknown[]): boolean {
  for (let i = 1; i < list.length; i++) if (celCompare(list[i - 1], list[i]) > 0) return false;
  return true;
}

function sum(list: readonly unknown[]): unknown {
  if (list.length === 0) return 0n;
  if (list.every((x) => typeof x === 'bigint')) return list.reduce((a: bigint, x) => checkedInt(a + (x as bigint)), 0n);
  if (list.every((x) => typeof x === 'number' || typeof x === 'bigint')) return list.reduce((a: number, x) => a + Number(x), 0);
  throw celError('no such overload: sum');
}

function extreme(name: 'min' | 'max', list: readonly unknown[]): unknown {
  if (list.length === 0) throw celError(`${name} called on empty list`);
  let best = list[0];
  for (const x of list.slice(1)) {
    const c = celCompare(x, best);
    if (name === 'min' ? c < 0 : c > 0) best = x;
  }
  return best;
}

function indexOf(list: readonly unknown[], value: unknown): bigint {
  return BigInt(list.findIndex((x) => celEquals(x, value)));
}

function lastIndexOf(list: readonly unknown[], value: unknown): bigint {
  return BigInt(list.findLastIndex((x) => celEquals(x, value)));
}

function contains(list: readonly unknown[], sub: readonly unknown[]): boolean {
  return sub.every((x) => list.some((y) => celEquals(x, y)));
}

export function registerLists(env: Environment): void {
  env
    .registerFunction('list.isSorted(): bool', isSorted)
    .registerFunction('list.sum(): dyn', sum)
    .registerFunction('list.min(): dyn', (l: unknown[]) => extreme('min', l))
    .registerFunction('list.max(): dyn', (l: unknown[]) => extreme('max', l))
    .registerFunction('list.indexOf(dyn): int', indexOf)
    .registerFunction('list.lastIndexOf(dyn): int', lastIndexOf)
    .registerType('SetsNamespace', SetsNamespace)
    .registerConstant('sets', 'SetsNamespace', new SetsNamespace())
    .registerFunction('SetsNamespace.contains(list, list): bool', (_ns: SetsNamespace, a: unknown[], b: unknown[]) => contains(a, b))
    .registerFunction('SetsNamespace.equivalent(list, list): bool', (_ns: SetsNamespace, a: unknown[], b: unknown[]) => contains(a, b) && contains(b, a))
    .registerFunction('SetsNamespace.intersects(list, list): bool', (_ns: SetsNamespace, a: unknown[], b: unknown[]) => a.some((x) => b.some((y) => celEquals(x, y))));
}
