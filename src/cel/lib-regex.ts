// Kubernetes' regex library: find and findAll (RE2 patterns, see re2.ts).
import type { Environment } from '@marcbachmann/cel-js';
import { celError } from './errors.ts';
import { compileRe2 } from './re2.ts';

function pattern(source: string, flags = ''): RegExp {
  try {
    return compileRe2(source, flags);
  } catch (err) {
    throw celError((err as Error).message);
  }
}

function findAll(s: string, re: string, limit: bigint): string[] {
  if (limit === 0n) return [];
  const out: string[] = [];
  for (const m of s.matchAll(pattern(re, 'g'))) {
    out.push(m[0]);
    if (limit > 0n && BigInt(out.length) >= limit) break;
  }
  return out;
}

export function registerRegex(env: Environment): void {
  env
    .registerFunction('string.find(string): string', (s: string, re: string) => pattern(re).exec(s)?.[0] ?? '')
    .registerFunction('string.findAll(string): list<string>', (s: string, re: string) => findAll(s, re, -1n))
    .registerFunction('string.findAll(string, int): list<string>', findAll)
    .registerFunction('matches(string, string): bool', matchesRe2);
}

/** `matches` with RE2 patterns; calls of the built-in method are routed here (see cost.ts). */
export function matchesRe2(s: string, re: string): boolean {
  return pattern(re).test(s);
}
