import t from 'tap';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SlotTable } from '../../src/slot-table.ts';

t.test('handles start at 0; a freed handle is reused first, the latest freed before older ones', async (t) => {
  const table = new SlotTable<string>();
  t.same(['a', 'b', 'c', 'd'].map((e) => table.add(e)), [0, 1, 2, 3]);
  t.equal(table.delete(1), 'b');
  t.equal(table.delete(3), 'd');
  t.equal(table.add('e'), 3, 'the latest freed handle');
  t.equal(table.add('f'), 1);
  t.equal(table.add('g'), 4, 'a new handle once none is free');
  t.equal(table.size, 5);
  t.same(table.values(), ['a', 'f', 'c', 'e', 'g'], 'entries by handle');
});

t.test('get and delete of a handle that holds nothing change nothing', async (t) => {
  const table = new SlotTable<number>();
  table.add(10);
  t.equal(table.get(5), undefined);
  t.equal(table.delete(5), undefined);
  t.equal(table.delete(0), 10);
  t.equal(table.delete(0), undefined, 'a second delete finds nothing');
  t.equal(table.size, 0);
  t.equal(table.add(11), 0);
  t.equal(table.add(12), 1, 'the twice-deleted handle was freed once, so it is not handed out twice');
});

t.test('a table with a capacity says how many handles are free and refuses one more entry', async (t) => {
  const table = new SlotTable<string>(2);
  t.equal(table.free, 2);
  table.add('a');
  table.add('b');
  t.equal(table.free, 0);
  t.throws(() => table.add('c'), RangeError);
  t.equal(table.size, 2, 'the refused entry is not held');
  table.delete(0);
  t.equal(table.free, 1);
  t.equal(table.add('c'), 0);
});

t.test('a deleted entry is no longer reachable from the table', async (t) => {
  const gc = collector();
  const table = new SlotTable<object>();
  let entry: object | undefined = { review: 'x'.repeat(1024) };
  const ref = new WeakRef(entry);
  const handle = table.add(entry);
  table.add({ other: true });
  entry = undefined;
  await collected(gc);
  t.ok(ref.deref(), 'held while in the table');
  table.delete(handle);
  await collected(gc);
  t.equal(ref.deref(), undefined, 'collected once deleted');
});

/** V8's collector without --expose-gc (as src/observability/heap-tidy.ts finds it). */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('gc') as () => void;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

/** A full collection after this turn: a WeakRef's target is kept until the turn that made it ends. */
async function collected(gc: () => void): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  gc();
}
