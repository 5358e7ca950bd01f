// Property test: real objects with random type changes, nulls, deletions and
// insertions. Whatever the damage, check() must not throw, must not touch the
// object, and must answer ok or with issues that each carry a path.
// Fixed seed and bounded count in CI; KADMIT_FUZZ_RUNS=100000 (and optionally
// KADMIT_FUZZ_SEED) for a longer run.
import t from 'tap';
import fc from 'fast-check';
import { loadCrdFiles } from '../../src/schemas/crd.ts';
import { SchemaRegistry, formatIssues } from '../../src/schemas/registry.ts';
import type { GroupVersionKind } from '../../src/schemas/registry.ts';
import { readJson, root } from './support.ts';

const RUNS = Number(process.env['KADMIT_FUZZ_RUNS'] ?? 3000);
const SEED = Number(process.env['KADMIT_FUZZ_SEED'] ?? 20261126);

const registry = SchemaRegistry.builtin().withCrds(await loadCrdFiles([new URL('examples/crds/guestbook.yaml', root).pathname]));
const strict = SchemaRegistry.builtin({ strictEnums: true });

interface Base {
  gvk: GroupVersionKind;
  object: unknown;
}

function requestOf(file: string): Record<string, any> {
  const doc = readJson(file) as Record<string, any>;
  return doc['request'] ?? doc;
}

const bases: Base[] = [
  'test/fixtures/pod-create-5k.json',
  'test/fixtures/real/kubewarden-echo-update_accept.json',
  'test/fixtures/real/connaisseur-10_update.json',
  'test/fixtures/real/kubewarden-user-group-cronjob_root_user.json',
  'test/fixtures/real/kubewarden-disallow-service-lb-service_loadbalancer.json',
  'test/fixtures/real/kubewarden-ingress-policy-ingress-wildcard.json',
  'test/fixtures/real/pepr-cm1.json',
  'test/fixtures/real/connaisseur-11_role.json',
  'test/fixtures/guestbook/update-valid.json',
].map((file) => {
  const req = requestOf(file);
  return { gvk: req['kind'], object: req['object'] };
});

type Path = Array<string | number>;

// Every position in the value where something can be replaced, removed or added.
function paths(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...prefix, i], out));
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out);
  return out;
}

type Op = 'null' | 'delete' | 'replace' | 'insert';

function apply(root: unknown, path: Path, op: Op, value: unknown, key: string): unknown {
  if (path.length === 0) return op === 'delete' ? undefined : op === 'null' ? null : op === 'replace' ? value : root;
  let parent = root as Record<string | number, unknown>;
  for (const seg of path.slice(0, -1)) parent = parent[seg] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  const target = parent[last];
  switch (op) {
    case 'null':
      parent[last] = null;
      break;
    case 'delete':
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
      break;
    case 'replace':
      parent[last] = value;
      break;
    case 'insert':
      if (Array.isArray(target)) target.push(value);
      // defineProperty makes an own key even for "__proto__", as JSON.parse does.
      else if (typeof target === 'object' && target !== null) Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
      else parent[last] = value;
      break;
  }
  return root;
}

// Values chosen to sit on the edges the schemas care about, plus arbitrary JSON.
const nasty = fc.oneof(
  fc.constantFrom(null, '', 0, -1, 1.5, 2 ** 31, -(2 ** 31) - 1, 2 ** 63, true, false, [], {}, 'None', '1.5 cores', '2026-13-45T99:00:00Z', 'not base64!', '__proto__', JSON.parse('{"__proto__":{"polluted":true}}')),
  fc.jsonValue({ maxDepth: 3 }),
  fc.string(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const mutation = fc.record({
  at: fc.nat(),
  op: fc.constantFrom<Op>('null', 'delete', 'replace', 'insert'),
  value: nasty,
  key: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('apiVersion', 'kind', 'metadata', 'spec', 'status', 'containers', '__proto__', 'constructor')),
});

t.test(`mutated real objects: no throw, no change, ok or issues with paths (${RUNS} runs, seed ${SEED})`, async (t) => {
  let rejected = 0;
  let accepted = 0;
  fc.assert(
    fc.property(fc.nat({ max: bases.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 5 }), fc.boolean(), (which, mutations, useStrict) => {
      const base = bases[which]!;
      let object: unknown = structuredClone(base.object);
      for (const m of mutations) {
        const all = paths(object);
        object = apply(object, all[m.at % all.length]!, m.op, structuredClone(m.value), m.key);
      }
      const before = JSON.stringify(object);
      const result = (useStrict && !base.gvk.group.includes('example.com') ? strict : registry).check(base.gvk, object);
      if (JSON.stringify(object) !== before) throw new Error('check() changed the object');
      if (result.ok) {
        accepted++;
        return;
      }
      rejected++;
      if (result.issues.length === 0) throw new Error('rejected without issues');
      for (const issue of result.issues) {
        if (typeof issue.path !== 'string' || issue.expected === '' || issue.received === '' || issue.message === '') {
          throw new Error(`malformed issue ${JSON.stringify(issue)}`);
        }
      }
      if (formatIssues(result.issues, 300).length > 300) throw new Error('formatIssues exceeded its bound');
    }),
    { seed: SEED, numRuns: RUNS },
  );
  t.ok(rejected > RUNS / 10, `mutations are caught: ${rejected} rejected, ${accepted} accepted`);
  t.ok(accepted > 0, 'and harmless ones pass (unknown fields, nulls on optional fields)');
  t.equal((({}) as Record<string, unknown>)['polluted'], undefined, 'own "__proto__" keys polluted nothing');
});
