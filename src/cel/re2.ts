// CEL's regular expressions are RE2 (Go's regexp); kadmit runs them with
// JavaScript's RegExp. The two agree on the patterns CRDs use; the RE2-only
// spellings that do occur are translated here: a leading (?flags) group, \A and
// \z anchors, (?P<name>...) groups and \pL-style classes. Anything JavaScript
// still refuses is reported as an invalid pattern, never matched differently.
import { KadmitError } from '../errors.ts';

export interface TranslatedPattern {
  source: string;
  flags: string;
}

const LEADING_FLAGS = /^\(\?([imsU]+)\)/;

export function translateRe2(pattern: string): TranslatedPattern {
  let source = pattern;
  let flags = '';
  const lead = LEADING_FLAGS.exec(source);
  if (lead !== null) {
    if (lead[1]!.includes('U')) throw new KadmitError('KADMIT_CEL_REGEX', `invalid regular expression ${JSON.stringify(pattern)}: the U (ungreedy) flag is not supported`);
    flags = [...new Set(lead[1])].join('');
    source = source.slice(lead[0].length);
  }
  source = source
    .replace(/\\A/g, '^')
    .replace(/\\z/g, '$')
    .replace(/\(\?P</g, '(?<')
    .replace(/\\([pP])([A-Z])(?![{a-zA-Z])/g, '\\$1{$2}');
  return { source, flags };
}

// Patterns come from CRD authors and are few; compiled ones are kept, up to a bound.
const MAX_CACHED = 512;
const cache = new Map<string, RegExp>();

/** The RegExp for an RE2 pattern (cached); throws KADMIT_CEL_REGEX for a pattern JavaScript cannot run. */
export function compileRe2(pattern: string, extraFlags = ''): RegExp {
  const key = `${extraFlags}/${pattern}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const { source, flags } = translateRe2(pattern);
  let re: RegExp;
  try {
    // Unicode mode first (RE2 matches code points); some patterns valid in RE2 are
    // only valid without it (e.g. escapes of ordinary characters).
    re = new RegExp(source, `u${flags}${extraFlags}`);
  } catch {
    try {
      re = new RegExp(source, `${flags}${extraFlags}`);
    } catch (err) {
      throw new KadmitError('KADMIT_CEL_REGEX', `invalid regular expression ${JSON.stringify(pattern)}: ${(err as Error).message}`);
    }
  }
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  cache.set(key, re);
  return re;
}
