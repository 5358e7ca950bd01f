// Regular expressions as the API server runs them: RE2 syntax and semantics,
// linear in the input, for CEL's matches/find/findAll and the schema's
// `pattern`. re2js is a JavaScript port of RE2, so RE2's spellings ((?i), \A,
// \z, (?P<name>...), \pL) work as written, no pattern can make a check
// backtrack for seconds, and a pattern RE2 refuses (lookaround,
// backreferences) is refused here too.
import { RE2JS } from 're2js';
import { KadmitError } from '../errors.ts';

// Patterns come from CRD authors and are few; compiled ones are kept, up to a bound.
const MAX_CACHED = 512;
const cache = new Map<string, RE2JS>();

/** The compiled RE2 pattern (cached); throws KADMIT_CEL_REGEX for a pattern RE2 refuses. */
export function compileRe2(pattern: string): RE2JS {
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
