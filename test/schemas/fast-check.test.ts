// The compiled yes/no tests (src/schemas/fast-check.ts) must accept exactly what
// the zod schemas accept: a test that says yes where zod says no would let a bad
// object through to a handler. Both are run on every built-in object found in
// the repository's review fixtures, and on mutations of each: every field
// (up to a bound per object) replaced by values of each JSON type, or removed.
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { DefinitionCompiler } from '../../src/schemas/builders.ts';
import { bundle } from '../../src/schemas/bundle.ts';
import { FastCheckCompiler } from '../../src/schemas/fast-check.ts';
import { root } from './support.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A built-in object: its definition name and the object. */
interface Sample {
  source: string;
  definition: string;
  object: Json;
}

const FIXTURE_DIRS = ['test/fixtures/', 'test/fixtures/real/'];
/** Paths mutated per object: enough to reach every level of a Pod, bounded for speed. */
const MAX_PATHS = 60;
const REPLACEMENTS: readonly (Json | undefined)[] = [undefined, null, true, 0, -1, 1.5, 2 ** 31, 2 ** 64, '', 'x', '2026-12-06T04:00:00Z', '1Gi', [], [1], {}, { a: 1 }];

/** Every JSON object in `value` whose apiVersion/kind names a built-in kind. */
function builtinObjects(value: Json, source: string, out: Sample[]): void {
  if (Array.isArray(value)) return value.forEach((v) => builtinObjects(v, source, out));
  if (typeof value !== 'object' || value === null) return;
  const { apiVersion, kind } = value;
  if (typeof apiVersion === 'string' && typeof kind === 'string') {
    const key = `${apiVersion}/${kind}`;
    if (Object.hasOwn(bundle.kinds, key)) out.push({ source, definition: bundle.kinds[key]!, object: value });
  }
  for (const v of Object.values(value)) builtinObjects(v, source, out);
}

function samples(): Sample[] {
  const out: Sample[] = [];
  for (const dir of FIXTURE_DIRS) {
    for (const name of readdirSync(new URL(dir, root)).filter((n) => n.endsWith('.json'))) {
      builtinObjects(JSON.parse(readFileSync(new URL(dir + name, root), 'utf8')) as Json, dir + name, out);
    }
  }
  return out;
}

/** Paths to every value in `value`, breadth first (shallow fields before deep ones), at most `max`. */
function paths(value: Json, max: number): (string | number)[][] {
  const out: (string | number)[][] = [];
  const queue: { path: (string | number)[]; value: Json }[] = [{ path: [], value }];
  while (queue.length > 0 && out.length < max) {
    const { path, value: v } = queue.shift()!;
    if (path.length > 0) out.push(path);
    if (Array.isArray(v)) v.forEach((item, i) => queue.push({ path: [...path, i], value: item }));
    else if (typeof v === 'object' && v !== null) for (const [k, item] of Object.entries(v)) queue.push({ path: [...path, k], value: item });
  }
  return out;
}

/** `object` with the value at `path` replaced, or removed (`undefined`). Only the
 * containers on the path are copied, the rest is shared: the validators only read. */
function mutated(object: Json, path: readonly (string | number)[], replacement: Json | undefined): Json {
  const [key, ...below] = path as [string | number, ...(string | number)[]];
  const copy = (Array.isArray(object) ? [...object] : { ...(object as Record<string, Json>) }) as Record<string | number, Json>;
  if (below.length > 0) copy[key] = mutated(copy[key]!, below, replacement);
  else if (replacement === undefined && !Array.isArray(copy)) delete copy[key];
  else copy[key] = replacement === undefined ? null : replacement;
  return copy;
}

interface Variant {
  sample: Sample;
  object: Json;
  what: string;
}

/** Each sample as is and each of its mutations, made once for both runs below. */
function variants(found: readonly Sample[]): Variant[] {
  const out: Variant[] = [];
  for (const sample of found) {
    out.push({ sample, object: sample.object, what: 'as is' });
    for (const path of paths(sample.object, MAX_PATHS)) {
      for (const r of REPLACEMENTS) out.push({ sample, object: mutated(sample.object, path, r), what: `${path.join('.')} = ${JSON.stringify(r) ?? 'removed'}` });
    }
  }
  return out;
}

const found = samples();
const checks = variants(found);

for (const strictEnums of [false, true]) {
  t.test(`compiled tests agree with zod (strictEnums: ${strictEnums})`, async (t) => {
    const zod = new DefinitionCompiler(bundle.definitions, { strictEnums });
    const fast = new FastCheckCompiler(bundle.definitions, { strictEnums });
    t.ok(found.length >= 15, `${found.length} built-in objects in the fixtures`);
    t.ok(new Set(found.map((s) => s.definition)).size >= 8, 'of several kinds');
    let checked = 0;
    let rejected = 0;
    const disagreements: string[] = [];
    for (const { sample, object, what } of checks) {
      const expected = zod.ref(sample.definition).validate(object);
      const actual = fast.test(sample.definition)(object);
      checked++;
      if (!expected) rejected++;
      if (actual !== expected && disagreements.length < 10) disagreements.push(`${sample.source} ${sample.definition} ${what}: zod ${expected}, compiled ${actual}`);
    }
    t.same(disagreements, [], `${checked} checks, ${rejected} rejected by zod`);
    t.ok(rejected > checked / 10 && rejected < checked, 'the mutations include both accepted and rejected objects');
  });
}

t.test('every built-in kind: an empty object and one with a wrong metadata type agree', async (t) => {
  const zod = new DefinitionCompiler(bundle.definitions);
  const fast = new FastCheckCompiler(bundle.definitions);
  const disagreements: string[] = [];
  for (const definition of new Set(Object.values(bundle.kinds))) {
    for (const object of [{}, { metadata: { name: 1 } }, { metadata: null }, [], 'x']) {
      const expected = zod.ref(definition).validate(object);
      if (fast.test(definition)(object) !== expected) disagreements.push(`${definition} ${JSON.stringify(object)}: zod ${expected}`);
    }
  }
  t.same(disagreements.slice(0, 10), []);
});

t.test('a definition that contains itself compiles once and checks nested levels', async (t) => {
  const fast = new FastCheckCompiler({ Node: { object: { name: 'string', children: { array: { ref: 'Node' } } } } });
  const test = fast.test('Node');
  t.equal(fast.size, 1);
  t.equal(test({ name: 'a', children: [{ name: 'b', children: [{ name: 'c' }] }] }), true);
  t.equal(test({ name: 'a', children: [{ name: 'b', children: [{ name: 3 }] }] }), false, 'a bad value two levels down');
  t.throws(() => fast.test('Missing'), { code: 'KADMIT_SCHEMA_UNKNOWN_DEFINITION' });
});
