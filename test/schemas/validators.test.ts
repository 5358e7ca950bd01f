// The generated yes/no validators (src/schemas/validators.ts) must accept exactly
// what the zod schemas accept: a validator that says yes where zod says no would
// let a bad object through to a handler. Both are run on every built-in object
// found in the repository's review fixtures, and on mutations of each: every
// field (up to a bound per object) replaced by values of each JSON type, or removed;
// and on every kind filled in from its definition, with random fields mutated.
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinCompiler } from '../../src/schemas/builders.ts';
import { bundle } from '../../src/schemas/bundle.ts';
import type { IrLeaf, IrNode } from '../../src/schemas/ir.ts';
import { KINDS } from '../../src/schemas/generated/kinds.ts';
import { validatorOf } from '../../src/schemas/validators.ts';
import { root } from './support.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A built-in object: its definition name and the object. */
interface Sample {
  source: string;
  definition: string;
  object: Json;
  /** Paths mutated (default MAX_PATHS). */
  maxPaths?: number;
}

const FIXTURE_DIRS = ['test/fixtures/', 'test/fixtures/real/'];
/** Paths mutated per object: enough to reach every level of a Pod, bounded for speed. */
const MAX_PATHS = 60;
const REPLACEMENTS: readonly (Json | undefined)[] = [undefined, null, true, 0, -1, 1.5, 2 ** 31, 2 ** 64, '', 'x', 'aGk=', '2026-12-06T04:00:00Z', '2026-12-06T04:00:00.123456Z', '1Gi', [], [1], {}, { a: 1 }];

// Kinds the review fixtures lack, written to reach what the generator emits
// beside objects, arrays and scalars: unions and recursion (a CRD's schema),
// doubles, maps of arrays, base64 maps, MicroTime, int-or-string, quantities.
const WRITTEN: ReadonlyArray<{ key: string; object: Json }> = [
  {
    key: 'apiextensions.k8s.io/v1/CustomResourceDefinition',
    object: {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com', scope: 'Namespaced', names: { kind: 'Widget', plural: 'widgets' },
        versions: [{
          name: 'v1', served: true, storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object', required: ['spec'],
              properties: {
                spec: {
                  type: 'object', additionalProperties: false, maxProperties: 8,
                  properties: {
                    size: { type: 'number', minimum: 0.5, maximum: 10, multipleOf: 0.5, default: 1 },
                    tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] }, 'x-kubernetes-list-type': 'set' },
                    pair: { type: 'array', items: [{ type: 'string' }, { type: 'integer' }] },
                    extra: { type: 'object', additionalProperties: { type: 'string' } },
                    port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
                  },
                  dependencies: { tags: ['size'], pair: { required: ['extra'] } },
                  'x-kubernetes-validations': [{ rule: 'self.size > 0', message: 'size', reason: 'FieldValueInvalid' }],
                },
              },
            },
          },
        }],
      },
    },
  },
  { key: 'v1/Secret', object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'Opaque', data: { a: 'aGVsbG8=', b: '' }, stringData: { c: 'x' } } },
  {
    key: 'authorization.k8s.io/v1/SubjectAccessReview',
    object: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'u', groups: ['g'], extra: { scopes: ['a', 'b'], none: [] }, resourceAttributes: { verb: 'get', resource: 'pods' } } },
  },
  {
    key: 'coordination.k8s.io/v1/Lease',
    object: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l' }, spec: { holderIdentity: 'h', leaseDurationSeconds: 15, acquireTime: '2026-12-06T04:00:00.000000Z', renewTime: '2026-12-06T04:00:01.123456Z' } },
  },
  {
    key: 'autoscaling/v2/HorizontalPodAutoscaler',
    object: {
      apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h' },
      spec: {
        scaleTargetRef: { kind: 'Deployment', name: 'd' }, minReplicas: 1, maxReplicas: 5,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
          { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1k' } } },
        ],
      },
    },
  },
  {
    key: 'policy/v1/PodDisruptionBudget',
    object: { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'p' }, spec: { minAvailable: '50%', selector: { matchLabels: { app: 'a' }, matchExpressions: [{ key: 'k', operator: 'In', values: ['v'] }] } } },
  },
];

/** Every JSON object in `value` whose apiVersion/kind names a built-in kind. */
function builtinObjects(value: Json, source: string, out: Sample[]): void {
  if (Array.isArray(value)) return value.forEach((v) => builtinObjects(v, source, out));
  if (typeof value !== 'object' || value === null) return;
  const { apiVersion, kind } = value;
  if (typeof apiVersion === 'string' && typeof kind === 'string') {
    const key = `${apiVersion}/${kind}`;
    if (Object.hasOwn(KINDS, key)) out.push({ source, definition: KINDS[key]!, object: value });
  }
  for (const v of Object.values(value)) builtinObjects(v, source, out);
}

function samples(): Sample[] {
  const out: Sample[] = WRITTEN.map(({ key, object }) => ({ source: 'written', definition: KINDS[key]!, object, maxPaths: Infinity }));
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
    for (const path of paths(sample.object, sample.maxPaths ?? MAX_PATHS)) {
      for (const r of REPLACEMENTS) out.push({ sample, object: mutated(sample.object, path, r), what: `${path.join('.')} = ${JSON.stringify(r) ?? 'removed'}` });
    }
  }
  return out;
}

const found = samples();
const checks = variants(found);

t.test('the written objects are valid as written', async (t) => {
  const zod = builtinCompiler({ strictEnums: true });
  for (const { key, object } of WRITTEN) t.ok(zod.ref(KINDS[key]!).validate(object), key);
});

for (const strictEnums of [false, true]) {
  t.test(`generated validators agree with zod (strictEnums: ${strictEnums})`, async (t) => {
    const zod = builtinCompiler({ strictEnums });
    t.ok(found.length >= 15, `${found.length} built-in objects in the fixtures`);
    t.ok(new Set(found.map((s) => s.definition)).size >= 8, 'of several kinds');
    let checked = 0;
    let rejected = 0;
    const disagreements: string[] = [];
    for (const { sample, object, what } of checks) {
      const expected = zod.ref(sample.definition).validate(object);
      const actual = validatorOf(sample.definition)(object, strictEnums);
      checked++;
      if (!expected) rejected++;
      if (actual !== expected && disagreements.length < 10) disagreements.push(`${sample.source} ${sample.definition} ${what}: zod ${expected}, generated ${actual}`);
    }
    t.same(disagreements, [], `${checked} checks, ${rejected} rejected by zod`);
    t.ok(rejected > checked / 10 && rejected < checked, 'the mutations include both accepted and rejected objects');
  });
}

/** A value each leaf accepts (a new leaf in ir.ts is a type error here). */
const LEAVES: Readonly<Record<IrLeaf, Json>> = {
  string: 'x', int32: 1, int64: 1, boolean: true, double: 1.5, byte: 'aGk=', anyObject: { a: 1 }, any: 1,
  quantity: '1Gi', microTime: '2026-12-06T04:00:00.123456Z', dateTime: '2026-12-06T04:00:00Z', intOrString: 1,
};
/** Below this depth only required fields are filled (definitions recurse, e.g. JSONSchemaProps). */
const FILL_DEPTH = 5;

/** A value for an IR node with every field present down to FILL_DEPTH: one item per list and map. */
function filled(node: IrNode, depth: number): Json {
  if (typeof node === 'string') return LEAVES[node];
  if ('ref' in node) return filled(bundle.definitions[node.ref]!, depth + 1);
  if ('array' in node) return depth > FILL_DEPTH ? [] : [filled(node.array, depth + 1)];
  if ('map' in node) return depth > FILL_DEPTH ? {} : { k: filled(node.map, depth + 1) };
  if ('enum' in node) return node.enum[0]!;
  if ('union' in node) return filled(node.union[0]!, depth);
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(node.object)) if (depth <= FILL_DEPTH || node.required?.includes(key)) out[key] = filled(value, depth + 1);
  return out;
}

t.test('every built-in kind filled in agrees, as is and with random fields replaced or removed', async (t) => {
  const zod = builtinCompiler();
  let seed = 1; // the same paths every run
  const pick = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
  const definitions = [...new Set(Object.values(KINDS))];
  const invalid: string[] = [];
  const disagreements: string[] = [];
  let checked = 0;
  let rejected = 0;
  for (const definition of definitions) {
    const object = filled(bundle.definitions[definition]!, 0);
    if (!zod.ref(definition).validate(object)) invalid.push(definition);
    const all = paths(object, Infinity);
    const variants = [object];
    for (let i = 0; i < 40; i++) {
      const path = all[pick(all.length)]!;
      for (const r of [undefined, null, 'x', 1.5, [], {}]) variants.push(mutated(object, path, r));
    }
    for (const variant of variants) {
      const expected = zod.ref(definition).validate(variant);
      checked++;
      if (!expected) rejected++;
      if (validatorOf(definition)(variant, false) !== expected && disagreements.length < 10) disagreements.push(`${definition} ${JSON.stringify(variant).slice(0, 200)}: zod ${expected}`);
    }
  }
  t.same(invalid, [], `each of the ${definitions.length} kinds filled in is valid`);
  t.same(disagreements, [], `${checked} checks, ${rejected} rejected by zod`);
  t.ok(rejected > checked / 10 && rejected < checked, 'the mutations include both accepted and rejected objects');
});

t.test('every built-in kind: an empty object and one with a wrong metadata type agree', async (t) => {
  const zod = builtinCompiler();
  const disagreements: string[] = [];
  for (const definition of new Set(Object.values(KINDS))) {
    for (const object of [{}, { metadata: { name: 1 } }, { metadata: null }, [], 'x']) {
      const expected = zod.ref(definition).validate(object);
      if (validatorOf(definition)(object, false) !== expected) disagreements.push(`${definition} ${JSON.stringify(object)}: zod ${expected}`);
    }
  }
  t.same(disagreements.slice(0, 10), []);
});
