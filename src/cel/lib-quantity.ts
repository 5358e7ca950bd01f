// Kubernetes' quantity library: quantity(), isQuantity() and Quantity's methods.
import type { Environment } from '@marcbachmann/cel-js';
import { celError } from './errors.ts';
import { Quantity, parseQuantity } from './quantity.ts';
import { INT64_MAX, INT64_MIN } from './values.ts';

function quantity(text: string): Quantity {
  const q = parseQuantity(text);
  if (typeof q === 'string') throw celError(q);
  return q;
}

function int64Of(q: Quantity): bigint | undefined {
  const n = q.integer();
  return n !== undefined && n >= INT64_MIN && n <= INT64_MAX ? n : undefined;
}

function asInteger(q: Quantity): bigint {
  const n = int64Of(q);
  if (n === undefined) throw celError('cannot convert value to integer');
  return n;
}

const fromInt = (n: bigint) => new Quantity(n, 1n, '');

export function registerQuantity(env: Environment): void {
  env
    .registerType('Quantity', Quantity)
    .registerFunction('quantity(string): Quantity', quantity)
    .registerFunction('isQuantity(string): bool', (s: string) => typeof parseQuantity(s) !== 'string')
    .registerFunction('Quantity.sign(): int', (q: Quantity) => BigInt(q.compare(fromInt(0n))))
    .registerFunction('Quantity.isInteger(): bool', (q: Quantity) => int64Of(q) !== undefined)
    .registerFunction('Quantity.asInteger(): int', asInteger)
    .registerFunction('Quantity.asApproximateFloat(): double', (q: Quantity) => q.approximate())
    .registerFunction('Quantity.add(Quantity): Quantity', (a: Quantity, b: Quantity) => a.plus(b, 1n))
    .registerFunction('Quantity.add(int): Quantity', (a: Quantity, b: bigint) => a.plus(fromInt(b), 1n))
    .registerFunction('Quantity.sub(Quantity): Quantity', (a: Quantity, b: Quantity) => a.plus(b, -1n))
    .registerFunction('Quantity.sub(int): Quantity', (a: Quantity, b: bigint) => a.plus(fromInt(b), -1n))
    .registerFunction('Quantity.isGreaterThan(Quantity): bool', (a: Quantity, b: Quantity) => a.compare(b) > 0)
    .registerFunction('Quantity.isLessThan(Quantity): bool', (a: Quantity, b: Quantity) => a.compare(b) < 0)
    .registerFunction('Quantity.compareTo(Quantity): int', (a: Quantity, b: Quantity) => BigInt(a.compare(b)))
    .registerOperator('Quantity == Quantity', (a: Quantity, b: Quantity) => a.celEquals(b));
}
