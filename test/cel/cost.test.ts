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
