// Kubernetes' regex library (find, findAll) and matches, run by re2js, a
// JavaScript port of RE2: the API server's engine, linear in the input, so no
// pattern can make a rule backtrack for seconds. RE2 syntax is native there
// ((?i), \A, \z, (?P<name>...), \pL); a pattern RE2 refuses is refused here.
import { RE2JS } from 're2js';
import { KadmitError } from '../errors.ts';
import type { Environment } from '@marcbachmann/cel-js';
import { celError } from './errors.ts';

// Patterns come from CRD authors and are few; compiled ones are kept, up to a bound.
const MAX_CACHED = 512;
const cache = new Map<string, RE2JS>();

/** The compiled RE2 pattern (cached); throws KADMIT_CEL_REGEX for a pattern RE2 refuses. */
export function compileCelRegex(pattern: string): RE2JS {
  const hit = cache.get(pattern);
  if (hit !== undefined) return hit;
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (err) {
    throw new KadmitError('KADMIT_CEL_REGEX', `invalid regular expression ${JSON.stringify(pattern)}: ${(err as Error).message}`);
  }
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  cache.set(pattern, re);
  return re;
}

function pattern(source: string): RE2JS {
  try {
    return compileCelRegex(source);
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
  return pattern(re).matcher(s).find();
}
