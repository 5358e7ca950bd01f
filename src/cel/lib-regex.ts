// Kubernetes' regex library (find, findAll) and matches, in RE2 (re2.ts).
import type { Environment } from '@marcbachmann/cel-js';
import type { RE2JS } from 're2js';
import { celError } from './errors.ts';
import { compileRe2 } from './re2.ts';

function pattern(source: string): RE2JS {
  try {
    return compileRe2(source);
  } catch (err) {
    throw celError((err as Error).message);
  }
}

function find(s: string, re: string): string {
  const m = pattern(re).matcher(s);
  return m.find() ? (m.group() ?? '') : '';
}

function findAll(s: string, re: string, limit: bigint): string[] {
  if (limit === 0n) return [];
  const out: string[] = [];
  const m = pattern(re).matcher(s);
  while (m.find()) {
    out.push(m.group() ?? '');
    if (limit > 0n && BigInt(out.length) >= limit) break;
  }
  return out;
}

export function registerRegex(env: Environment): void {
  env
    .registerFunction('string.find(string): string', find)
    .registerFunction('string.findAll(string): list<string>', (s: string, re: string) => findAll(s, re, -1n))
    .registerFunction('string.findAll(string, int): list<string>', findAll)
    .registerFunction('matches(string, string): bool', matchesRe2);
}

/** `matches` with RE2 patterns (unanchored, as in CEL); calls of the built-in method are routed here (see cost.ts). */
export function matchesRe2(s: string, re: string): boolean {
  return pattern(re).test(s);
}
