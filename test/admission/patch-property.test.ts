// Round-trip properties: whatever the documents, applying the computed patch
// (as it travels on the wire) to `before` gives exactly `after` in JSON terms,
// and neither input is touched.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import t from 'tap';
import fc from 'fast-check';
import { createPatch, encodePatch } from '../../src/admission/patch.ts';
import { applyPatch } from '../../src/replay/apply-patch.ts';
import type { PatchOperation } from '../../src/admission/patch.ts';

const SEED = 42;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const key = fc.oneof(
  fc.constantFrom('', '/', '~', '~0', '~1', '~01', '/~', 'a/b', 'a~b', '__proto__', 'constructor', 'toString', 'name', '0', '-', 'é', '😀'),
  fc.string({ maxLength: 5 }),
  fc.string({ unit: 'grapheme', maxLength: 3 }),
);

const leaf: fc.Arbitrary<Json> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -3, max: 3 }),
  // -0 is 0 on the wire: generate only the latter so exact comparison is fair.
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (n === 0 ? 0 : n)),
  fc.string({ maxLength: 6 }),
  fc.constantFrom('a', 'b'),
);

const { json } = fc.letrec<{ json: Json; array: Json[]; object: { [key: string]: Json } }>((tie) => ({
  json: fc.oneof({ depthSize: 'small', maxDepth: 5 }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('json'), { maxLength: 8 }),
  object: fc.dictionary(key, tie('json'), { maxKeys: 6, noNullPrototype: true }),
}));

const container = fc.oneof(fc.array(json, { maxLength: 8 }), fc.dictionary(key, json, { maxKeys: 6, noNullPrototype: true }));

// A random edit, applied at a random container of the document.
const edit = fc.record({
  route: fc.array(fc.nat(), { maxLength: 6 }),
  kind: fc.constantFrom('set', 'delete', 'insert', 'undefine', 'reverse', 'duplicate', 'move'),
  pick: fc.nat(),
  pick2: fc.nat(),
  value: json,
});
type Edit = typeof edit extends fc.Arbitrary<infer T> ? T : never;

type Node = Json[] | { [key: string]: unknown };

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null;
}

function shallowCopy(node: Node): Node {
  if (Array.isArray(node)) return node.slice();
  const out: { [key: string]: unknown } = {};
  for (const k of Object.keys(node)) Object.defineProperty(out, k, { value: node[k], writable: true, enumerable: true, configurable: true });
  return out;
}

function setMember(obj: { [key: string]: unknown }, k: string, v: unknown): void {
  Object.defineProperty(obj, k, { value: v, writable: true, enumerable: true, configurable: true });
}

// Applies edits the way handlers write them: copies along the edited path,
// sharing every untouched subtree with `before` by reference (or, when
// `share` is false, on a full structured clone).
function mutate(before: Json, edits: readonly Edit[], share: boolean): unknown {
  let root: unknown = share ? before : structuredClone(before);
  const copied = new Set<object>();
  const own = (node: Node): Node => {
    if (!share || copied.has(node)) return node;
    const c = shallowCopy(node);
    copied.add(c);
    return c;
  };
  for (const e of edits) {
    if (!isNode(root)) {
      root = e.value;
      continue;
    }
    root = own(root);
    let node = root as Node;
    for (const step of e.route) {
      const keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
      if (keys.length === 0) break;
      const k = keys[step % keys.length] as string & number;
      const child = (node as Record<string, unknown>)[k];
      if (!isNode(child)) break;
      const mine = own(child);
      if (Array.isArray(node)) node[k] = mine as Json;
      else setMember(node, k, mine);
      node = mine;
    }
    if (Array.isArray(node)) {
      const n = node.length;
      switch (e.kind) {
        case 'set':
          if (n > 0) node[e.pick % n] = e.value;
          break;
        case 'delete':
          if (n > 0) node.splice(e.pick % n, 1);
          break;
        case 'insert':
          node.splice(e.pick % (n + 1), 0, e.value);
          break;
        case 'reverse':
          node.reverse();
          break;
        case 'duplicate':
          if (n > 0) node.splice(e.pick2 % (n + 1), 0, structuredClone(node[e.pick % n] as Json));
          break;
        case 'move':
          if (n > 0) node.splice(e.pick2 % n, 0, ...node.splice(e.pick % n, 1));
          break;
      }
    } else {
      const keys = Object.keys(node);
      const existing = keys.length > 0 ? (keys[e.pick % keys.length] as string) : undefined;
      switch (e.kind) {
        case 'set':
          setMember(node, existing ?? 'fresh', e.value);
          break;
        case 'insert':
          setMember(node, `k${e.pick2 % 4}`, e.value);
          break;
        case 'delete':
          if (existing !== undefined) delete node[existing];
          break;
        case 'undefine':
          // JSON semantics: a member set to undefined is absent.
          if (existing !== undefined) node[existing] = undefined;
          break;
        case 'reverse': {
          // Member order means nothing in JSON: rebuild in reverse.
          const values = keys.map((k) => node[k as keyof typeof node]);
          for (const k of keys) delete node[k];
          for (let i = keys.length - 1; i >= 0; i--) setMember(node, keys[i] as string, values[i]);
          break;
        }
      }
    }
  }
  return root;
}

function decodeWire(ops: PatchOperation[]): PatchOperation[] {
  return JSON.parse(Buffer.from(encodePatch(ops), 'base64').toString('utf8')) as PatchOperation[];
}

function checkRoundTrip(before: unknown, after: unknown): PatchOperation[] {
  // Member order included, so a reordering counts as a mutation too.
  const beforeSnapshot = JSON.stringify(before);
  const expected: unknown = JSON.parse(JSON.stringify(after));
  const ops = createPatch(before, after);
  assert.equal(JSON.stringify(before), beforeSnapshot, 'createPatch mutated before');
  const wire = decodeWire(ops);
  assert.deepStrictEqual(applyPatch(before, wire), expected);
  assert.equal(JSON.stringify(before), beforeSnapshot, 'applyPatch mutated its document');
  assert.deepStrictEqual(createPatch(before, after), ops, 'output is not deterministic');
  return ops;
}

t.test('random documents and random edits round-trip through the wire', async (t) => {
  fc.assert(
    fc.property(container, fc.array(edit, { maxLength: 6 }), fc.boolean(), (before, edits, share) => {
      const after = mutate(before, edits, share);
      const afterSnapshot = JSON.stringify(after);
      checkRoundTrip(before, after);
      assert.equal(JSON.stringify(after), afterSnapshot, 'after was mutated');
    }),
    { seed: SEED, numRuns: 3000 },
  );
  t.pass('3000 runs');
});

t.test('two unrelated documents round-trip', async (t) => {
  fc.assert(
    fc.property(json, json, (before, after) => {
      checkRoundTrip(before, after);
    }),
    { seed: SEED, numRuns: 1000 },
  );
  t.pass('1000 runs');
});

t.test('a document and its clone give an empty patch', async (t) => {
  fc.assert(
    fc.property(json, (doc) => {
      assert.deepStrictEqual(createPatch(doc, structuredClone(doc)), []);
      assert.deepStrictEqual(createPatch(doc, doc), []);
    }),
    { seed: SEED, numRuns: 1000 },
  );
  t.pass('1000 runs');
});

// Small alphabets make many common subsequences and repeated names: the edit
// script alignment and the by-name second pass get a workout. fc.record makes
// null-prototype objects, which count as plain JSON objects.
const listItem = fc.oneof(
  fc.record({ name: fc.constantFrom('a', 'b', 'c', 'd'), v: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ v: fc.integer({ min: 0, max: 2 }) }),
  fc.integer({ min: 0, max: 3 }),
);

t.test('lists from a small alphabet round-trip with bounded patch size', async (t) => {
  fc.assert(
    fc.property(fc.array(listItem, { maxLength: 40 }), fc.array(listItem, { maxLength: 40 }), (before, after) => {
      const ops = checkRoundTrip({ list: before }, { list: after });
      // Each element costs at most an add, a remove, or a replace per member.
      assert.ok(ops.length <= 2 * (before.length + after.length), `${ops.length} ops`);
    }),
    { seed: SEED, numRuns: 1500 },
  );
  t.pass('1500 runs');
});

// Long shuffled lists exceed the alignment budget and take the fallbacks.
t.test('long shuffled lists round-trip', async (t) => {
  const long = fc.record({
    size: fc.integer({ min: 200, max: 700 }),
    named: fc.boolean(),
    swaps: fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 100, maxLength: 400 }),
    edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 3 })), { maxLength: 30 }),
  });
  fc.assert(
    fc.property(long, ({ size, named, swaps, edits }) => {
      const make = (i: number) => (named ? { name: `n${i}`, v: i % 7, w: [i] } : { v: i % 7, w: [i] });
      const before = Array.from({ length: size }, (_, i) => make(i));
      const after = before.map((x) => structuredClone(x));
      for (const [a, b] of swaps) {
        const i = a % size;
        const j = b % size;
        [after[i], after[j]] = [after[j] as (typeof after)[number], after[i] as (typeof after)[number]];
      }
      for (const [at, what] of edits) {
        const i = at % after.length;
        if (what === 0) after.splice(i, 1);
        else if (what === 1) after.splice(i, 0, make(size + i));
        else (after[i] as { v: number }).v += 100;
      }
      checkRoundTrip(before, after);
    }),
    { seed: SEED, numRuns: 40 },
  );
  t.pass('40 runs');
});
