// The cost bound (src/cel/cost.ts): how rules are metered and that a runaway
// rule is stopped at its budget, not after doing all its work.
import t from 'tap';
import { Environment } from '@marcbachmann/cel-js';
import { compileExpression } from '../../src/cel/compile.ts';
import { meteredSource } from '../../src/cel/cost.ts';

const parser = new Environment({ enableOptionalTypes: true, unlistedVariablesAreDyn: true });
const metered = (source: string) => meteredSource(source, parser.parse(source).ast);

t.test('the metered copy charges loops when they start, `in` and linear functions by size', async (t) => {
  t.equal(metered('self.all(x, x > 0)'), '__kadmit_range(self, 3).all(x, x > 0)');
  t.equal(metered('self.a.all(x, x in self.b)'), '__kadmit_range(self.a, 4).all(x, x in __kadmit_size(self.b))');
  t.equal(metered('self.map(x, x).filter(y, y.startsWith("a"))'), '__kadmit_range(__kadmit_range(self, 1).map(x, x), 3).filter(y, __kadmit_size(y).startsWith("a"))');
  t.equal(metered("self.s.matches('^a')"), "__kadmit_size(self.s).__kadmit_matches('^a')");
  t.equal(metered('self.m.exists(k, self.m[k].all(v, v != ""))'), '__kadmit_range(self.m, 9).exists(k, __kadmit_range(self.m[k], 3).all(v, v != ""))');
});

function run(source: string, self: unknown, budget: number) {
  const c = compileExpression(source, 'bool');
  if (!c.ok) throw new Error(c.message);
  return c.expression.evaluate({ self }, budget);
}

t.test('a cubic rule over a long list is stopped at its budget', async (t) => {
  const items = Array.from({ length: 500 }, (_, i) => BigInt(i));
  const r = run('self.all(a, self.all(b, self.all(c, a + b + c >= 0)))', items, 1_000_000);
  t.equal(r.ok, false);
  if (!r.ok) {
    t.equal(r.costExceeded, true);
    t.equal(r.message, 'operation cancelled: actual cost limit exceeded');
  }
  // all() absorbs errors and goes on; the run is still reported as over budget.
  const absorbed = run('self.all(a, a == 0 || self.exists(b, b < 0))', items, 2_000);
  t.equal(absorbed.ok, false);
  if (!absorbed.ok) t.equal(absorbed.costExceeded, true);
});

t.test('cost grows with the data and stays within budget for ordinary rules', async (t) => {
  const small = run('self.all(x, x >= 0)', [1n, 2n], 1_000);
  const large = run('self.all(x, x >= 0)', Array.from({ length: 100 }, () => 1n), 1_000);
  t.ok(small.ok && large.ok && large.cost > small.cost);
  const strings = run("self.contains('z')", 'a'.repeat(10_000), 1_000_000);
  t.ok(strings.ok && strings.cost >= 1_000, 'string work is charged at a tenth of a unit per character');
  t.same(run('self > 0', 1n, 1), { ok: false, costExceeded: true, message: 'operation cancelled: actual cost limit exceeded', cost: 1 }, 'the nodes of the rule are charged too');
});

t.test('functions whose result outgrows their input are charged for the result', async (t) => {
  t.equal(metered("self.s.replace('', self.s) == ''"), "__kadmit_size(self.s).__kadmit_replace('', self.s) == ''");
  t.equal(metered("self.l.join(',') == ''"), "__kadmit_size(self.l).__kadmit_join(',') == ''");
  t.equal(metered("self.s.split(',').size() == 1"), "__kadmit_size(__kadmit_size(self.s).split(',')).size() == 1");
  // The reviewer's repro: 200 replacements, each of 4,001 copies of a 4,000-character string.
  const self = { s: 'x'.repeat(4000), l: Array.from({ length: 200 }, (_, i) => BigInt(i)) };
  const r = run("self.l.all(x, self.s.replace('', self.s).size() > 0)", self, 1_000_000);
  t.equal(r.ok, false);
  if (!r.ok) {
    t.equal(r.costExceeded, true);
    t.equal(r.message, 'operation cancelled: actual cost limit exceeded');
    t.equal(r.cost, 1_000_000);
  }
  // One call alone is refused before it builds its 16-million-character result.
  const once = run("self.s.replace('', self.s).size() > 0", self, 1_000_000);
  t.equal(once.ok, false);
  if (!once.ok) t.equal(once.costExceeded, true);
  // The same call on a short string is fine, and replace/join still do their job.
  t.equal(run("self.s.replace('', '-') == '-a-b-'", { s: 'ab' }, 1_000).ok, true);
  t.equal(run("self.s.replace('a', 'xy', 1) == 'xyba'", { s: 'aba' }, 1_000).ok, true);
  t.equal(run("self.l.join('-') == 'a-b' && self.l.join() == 'ab'", { l: ['a', 'b'] }, 1_000).ok, true);
  const joined = run("self.l.join(self.s).size() > 0", { s: 'x'.repeat(4000), l: Array.from({ length: 5000 }, () => 'a') }, 1_000_000);
  t.equal(joined.ok, false);
  if (!joined.ok) t.equal(joined.costExceeded, true);
});

t.test('regular expressions run in linear time (RE2), so a nested quantifier cannot backtrack', async (t) => {
  // With a backtracking engine these take about 2^26 and 2^4000 steps (the test would time out).
  t.match(run("!self.s.matches('^(a+)+$')", { s: `${'a'.repeat(26)}!` }, 1_000), { ok: true, value: true });
  const long = run("!self.s.matches('^(a+)+$') && self.s.find('(a|aa)+$') == ''", { s: `${'a'.repeat(4000)}!` }, 10_000);
  t.equal(long.ok, true);
  // The engine is RE2: what only a backtracking engine has (lookahead) does not compile.
  const lookahead = compileExpression("self.s.matches('a(?=b)')", 'bool');
  t.equal(lookahead.ok, false);
  if (!lookahead.ok) t.match(lookahead.message, /invalid regular expression "a\(\?=b\)": .*invalid or unsupported Perl syntax/);
  t.equal(run("self.s.matches('(?i)^A\\\\pL+\\\\z') && self.s.findAll('[a-z]', 2) == ['a', 'b']", { s: 'abc' }, 1_000).ok, true);
});
