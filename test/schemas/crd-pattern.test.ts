// A schema's `pattern` is RE2, as the API server runs it: linear in the
// string, so a pattern with nested quantifiers cannot stall a review, and
// what only a backtracking engine has (lookaround) fails the load.
import t from 'tap';
import { KadmitError } from '../../src/errors.ts';
import { check, widget, withSpec } from './support.ts';

t.test('a nested-quantifier pattern answers in linear time', async (t) => {
  const reg = withSpec({ type: 'object', properties: { s: { type: 'string', maxLength: 10000, pattern: '^(a+)+$' } } });
  t.equal(check(reg, widget({ s: 'a'.repeat(30) })), '');
  // About 2^4000 steps for a backtracking engine: the test would time out.
  t.equal(check(reg, widget({ s: `${'a'.repeat(4000)}!` })).startsWith('spec.s: expected string matching /^(a+)+$/'), true);
});

t.test('RE2 spellings work as written; lookaround fails the load', async (t) => {
  const reg = withSpec({ type: 'object', properties: { s: { type: 'string', pattern: '\\A\\pL+\\z' } } });
  t.equal(check(reg, widget({ s: 'héllo' })), '');
  t.equal(check(reg, widget({ s: 'h1' })), 'spec.s: expected string matching /\\A\\pL+\\z/, got "h1"');
  const err = t.throws(() => withSpec({ type: 'object', properties: { s: { type: 'string', pattern: 'a(?=b)' } } })) as KadmitError;
  t.equal(err?.code, 'KADMIT_CRD_INVALID');
  t.match(err?.message, /properties\.spec\.properties\.s\.pattern: must be a valid regular expression, but isn't: invalid regular expression "a\(\?=b\)"/);
});
