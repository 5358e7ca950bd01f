import { Buffer } from 'node:buffer';
import t from 'tap';
import { createPatch, encodePatch } from '../../src/admission/patch.ts';
import { applyPatch } from '../../src/replay/apply-patch.ts';
import type { PatchOperation } from '../../src/admission/patch.ts';
import { escapePointerToken, formatPointer, parsePointer } from '../../src/admission/json-pointer.ts';
import { formatJsonPath } from '../../src/json-path.ts';
import { KadmitError } from '../../src/errors.ts';

type Obj = Record<string, any>;
type Assert = Pick<typeof t, 'same' | 'ok' | 'equal' | 'fail' | 'match'>;

function container(name: string, extra: Obj = {}): Obj {
  return {
    name,
    image: `registry.example/${name}:1.0`,
    ports: [{ containerPort: 8080, protocol: 'TCP' }],
    env: [{ name: 'MODE', value: 'prod' }],
    resources: { limits: { cpu: '100m', memory: '64Mi' } },
    ...extra,
  };
}

function pod(names = ['a', 'b', 'c', 'd', 'e']): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' }, futureField: { x: [1, 2] } },
    spec: { containers: names.map((n) => container(n)), 'x-unknown-field': { keep: true } },
  };
}

function roundTrip(t: Assert, before: unknown, after: unknown): PatchOperation[] {
  const ops = createPatch(before, after);
  t.same(applyPatch(before, ops), JSON.parse(JSON.stringify(after)), 'patch turns before into after');
  return ops;
}

function throwsNotJson(t: Assert, fn: () => unknown, path: string, what: string): void {
  try {
    fn();
    t.fail(`expected KADMIT_PATCH_NOT_JSON at ${path}`);
  } catch (err) {
    t.ok(err instanceof KadmitError, 'a KadmitError');
    t.equal((err as KadmitError).code, 'KADMIT_PATCH_NOT_JSON');
    t.equal((err as Error).message, `${path} is not JSON: ${what}`);
  }
}

t.test('pointer helpers', async (t) => {
  t.equal(escapePointerToken('plain'), 'plain');
  t.equal(escapePointerToken('a/b'), 'a~1b');
  t.equal(escapePointerToken('~'), '~0');
  t.equal(escapePointerToken('~1'), '~01', '~ is escaped before /, so ~1 does not become /');
  t.equal(escapePointerToken('/~'), '~1~0');
  t.equal(formatPointer([]), '');
  t.equal(formatPointer(['']), '/');
  t.equal(formatPointer(['spec', 'containers', 0, 'a/b']), '/spec/containers/0/a~1b');
  t.same(parsePointer(''), []);
  t.same(parsePointer('/'), ['']);
  t.same(parsePointer('/a~1b/~0/~01/0'), ['a/b', '~', '~1', '0']);
  t.equal(parsePointer('a'), null, 'no leading slash');
  t.equal(parsePointer('/a~2'), null, 'bad escape');
  t.equal(parsePointer('/a~'), null, 'dangling tilde');
  t.equal(formatJsonPath([], '(root)'), '(root)');
  t.equal(formatJsonPath(['spec', 'containers', 0, 'image'], '(root)'), 'spec.containers[0].image');
  t.equal(formatJsonPath(['metadata', 'labels', 'app.kubernetes.io/name'], '(root)'), 'metadata.labels["app.kubernetes.io/name"]');
  t.equal(formatJsonPath([3, ''], '(root)'), '[3][""]');
});

t.test('keys with / and ~ are escaped per RFC 6901', async (t) => {
  const before = { labels: { 'app.kubernetes.io/name': 'a', '~tilde': 1, '': 0 } };
  const after = { labels: { 'app.kubernetes.io/name': 'b', '~tilde': 2, '': 1, 'x/~y': true } };
  t.same(roundTrip(t, before, after), [
    { op: 'replace', path: '/labels/app.kubernetes.io~1name', value: 'b' },
    { op: 'replace', path: '/labels/~0tilde', value: 2 },
    { op: 'replace', path: '/labels/', value: 1 },
    { op: 'add', path: '/labels/x~1~0y', value: true },
  ]);
});

t.test('equal documents give no operations', async (t) => {
  const p = pod();
  t.same(createPatch(p, p), []);
  t.same(createPatch(p, structuredClone(p)), []);
  t.same(createPatch({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }), [], 'member order does not matter');
  t.same(createPatch(null, null), []);
  t.same(createPatch({ a: -0 }, { a: 0 }), [], '-0 and 0 are the same JSON number');
});

t.test('members set to undefined count as absent', async (t) => {
  t.same(roundTrip(t, { a: 1, b: 2 }, { a: 1, b: undefined, c: undefined }), [{ op: 'remove', path: '/b' }]);
  const after = { x: { y: 1, z: undefined, w: [{ v: undefined, u: 2 }] } };
  const ops = roundTrip(t, {}, after);
  t.same(ops, [{ op: 'add', path: '/x', value: { y: 1, w: [{ u: 2 }] } }]);
  const value = (ops[0] as { value: Obj }).value;
  t.notOk(Object.hasOwn(value, 'z'), 'the undefined member is stripped from the op value');
  t.notOk(Object.hasOwn(value.w[0], 'v'));
  t.ok(Object.hasOwn(after.x, 'z'), 'after itself is left alone');
});

t.test('fields the handler did not touch never appear in the patch', async (t) => {
  const before = pod();
  // The usual handler shape: spread copies along the edited path only.
  const shared = {
    ...before,
    metadata: { ...before.metadata, labels: { ...before.metadata.labels, team: 'payments' } },
  };
  t.same(roundTrip(t, before, shared), [{ op: 'add', path: '/metadata/labels/team', value: 'payments' }]);
  // And a full deep copy, as from structuredClone or JSON round-tripping.
  const cloned = structuredClone(before);
  cloned.metadata.labels.team = 'payments';
  cloned.spec.containers[1].image = 'registry.example/b:2.0';
  t.same(roundTrip(t, before, cloned), [
    { op: 'add', path: '/metadata/labels/team', value: 'payments' },
    { op: 'replace', path: '/spec/containers/1/image', value: 'registry.example/b:2.0' },
  ]);
});

t.test('subtrees shared with before are not read at all', async (t) => {
  const spec = { containers: [container('a')] };
  Object.defineProperty(spec, 'trap', {
    enumerable: true,
    get() {
      throw new Error('a shared subtree was walked');
    },
  });
  const before = { metadata: { name: 'x' }, spec };
  const after = { metadata: { name: 'y' }, spec };
  t.same(createPatch(before, after), [{ op: 'replace', path: '/metadata/name', value: 'y' }]);
});

t.test('list edits on containers give small patches', async (t) => {
  const before = pod();
  const edit = (fn: (containers: Obj[]) => void): Obj => {
    const after = structuredClone(before);
    fn(after.spec.containers);
    return after;
  };
  t.same(roundTrip(t, before, edit((c) => c.push(container('f')))), [
    { op: 'add', path: '/spec/containers/5', value: container('f') },
  ]);
  t.same(roundTrip(t, before, edit((c) => c.unshift(container('side')))), [
    { op: 'add', path: '/spec/containers/0', value: container('side') },
  ]);
  t.same(roundTrip(t, before, edit((c) => c.splice(2, 0, container('mid')))), [
    { op: 'add', path: '/spec/containers/2', value: container('mid') },
  ]);
  t.same(roundTrip(t, before, edit((c) => c.splice(3, 1))), [{ op: 'remove', path: '/spec/containers/3' }]);
  t.same(roundTrip(t, before, edit((c) => ((c[3] as Obj).resources.limits.cpu = '200m'))), [
    { op: 'replace', path: '/spec/containers/3/resources/limits/cpu', value: '200m' },
  ]);
  t.same(roundTrip(t, before, edit((c) => c.splice(2, 3))), [
    { op: 'remove', path: '/spec/containers/4' },
    { op: 'remove', path: '/spec/containers/3' },
    { op: 'remove', path: '/spec/containers/2' },
  ], 'removals from the highest index down');
  t.same(roundTrip(t, before, edit((c) => c.splice(1, 1) && c.splice(3, 1))), [
    { op: 'remove', path: '/spec/containers/1' },
    { op: 'remove', path: '/spec/containers/3' },
  ], 'removals stay correct when applied in order');
});

t.test('an injected sidecar plus an edit to every container', async (t) => {
  const before = pod();
  const after = structuredClone(before);
  for (const c of after.spec.containers) c.securityContext = { runAsNonRoot: true };
  after.spec.containers.unshift(container('istio-proxy'));
  t.same(roundTrip(t, before, after), [
    { op: 'add', path: '/spec/containers/0', value: container('istio-proxy') },
    ...[1, 2, 3, 4, 5].map((i) => ({
      op: 'add',
      path: `/spec/containers/${i}/securityContext`,
      value: { runAsNonRoot: true },
    })),
  ]);
});

t.test('an insert at the front plus an edit in the middle', async (t) => {
  const names = Array.from({ length: 50 }, (_, i) => `c${i}`);
  const before = pod(names);
  const after = structuredClone(before);
  after.spec.containers[20].image = 'new';
  after.spec.containers.unshift(container('first'));
  t.same(roundTrip(t, before, after), [
    { op: 'add', path: '/spec/containers/0', value: container('first') },
    { op: 'replace', path: '/spec/containers/21/image', value: 'new' },
  ]);
});

t.test('two named elements swapped', async (t) => {
  const before = { list: [container('a'), container('b'), container('c')] };
  const after = { list: [container('a'), container('c'), container('b')] };
  const ops = roundTrip(t, before, after);
  t.equal(ops.length, 2, 'a remove and an add, not field-by-field rewrites');
});

t.test('type changes replace the value', async (t) => {
  t.same(roundTrip(t, { a: { b: 1 } }, { a: [1] }), [{ op: 'replace', path: '/a', value: [1] }]);
  t.same(roundTrip(t, { a: [1] }, { a: { 0: 1 } }), [{ op: 'replace', path: '/a', value: { 0: 1 } }]);
  t.same(roundTrip(t, { a: null }, { a: {} }), [{ op: 'replace', path: '/a', value: {} }]);
  t.same(roundTrip(t, { a: 1 }, [1]), [{ op: 'replace', path: '', value: [1] }]);
  t.same(roundTrip(t, 'x', 'y'), [{ op: 'replace', path: '', value: 'y' }]);
});

t.test('null-prototype objects and __proto__ keys are plain JSON', async (t) => {
  const after = Object.assign(Object.create(null) as Obj, { a: 2 });
  t.same(roundTrip(t, { a: 1 }, after), [{ op: 'replace', path: '/a', value: 2 }]);
  const before = JSON.parse('{"__proto__": {"x": 1}}') as Obj;
  const changed = JSON.parse('{"__proto__": {"x": 2}}') as Obj;
  t.same(roundTrip(t, before, changed), [{ op: 'replace', path: '/__proto__/x', value: 2 }]);
  const added = roundTrip(t, {}, changed);
  t.same(added, [{ op: 'add', path: '/__proto__', value: { x: 2 } }]);
  const result = applyPatch({}, added) as Obj;
  t.equal(Object.getPrototypeOf(result), Object.prototype, 'applying did not set a prototype');
  t.ok(Object.hasOwn(result, '__proto__'));
});

t.test('non-JSON values are rejected with their path', async (t) => {
  class Quantity {
    value = '1';
  }
  const cases: [string, unknown, string][] = [
    ['function', () => 'x', 'function'],
    ['symbol', Symbol('s'), 'symbol'],
    ['bigint', 10n, 'bigint'],
    ['NaN', Number.NaN, 'NaN'],
    ['Infinity', Number.POSITIVE_INFINITY, 'Infinity'],
    ['-Infinity', Number.NEGATIVE_INFINITY, '-Infinity'],
    ['Date', new Date(0), 'a Date'],
    ['Map', new Map(), 'a Map'],
    ['Set', new Set(), 'a Set'],
    ['class instance', new Quantity(), 'a Quantity'],
    ['boxed string', new String('x'), 'a String'],
    ['typed array', new Uint8Array(1), 'a Uint8Array'],
  ];
  for (const [label, value, what] of cases) {
    t.test(label, async (t) => {
      // Replacing an existing field.
      const before = pod();
      const replaced = structuredClone(before);
      replaced.spec.containers[0].image = value;
      throwsNotJson(t, () => createPatch(before, replaced), 'spec.containers[0].image', what);
      // Inside a newly added element.
      const added = structuredClone(before);
      added.spec.containers.push({ name: 'new', env: [{ name: 'X', value }] });
      throwsNotJson(t, () => createPatch(before, added), 'spec.containers[5].env[0].value', what);
      // Under a key that needs quoting.
      const labelled = structuredClone(before);
      labelled.metadata.labels['app.kubernetes.io/name'] = value;
      throwsNotJson(t, () => createPatch(before, labelled), 'metadata.labels["app.kubernetes.io/name"]', what);
    });
  }
});

t.test('empty non-plain objects are not mistaken for {}', async (t) => {
  throwsNotJson(t, () => createPatch({ a: {} }, { a: new Map() }), 'a', 'a Map');
  throwsNotJson(t, () => createPatch([{}], [new Set()]), '[0]', 'a Set');
  throwsNotJson(t, () => createPatch({ a: [] }, { a: new Uint8Array(0) }), 'a', 'a Uint8Array');
});

t.test('undefined and holes are rejected inside arrays and at the root', async (t) => {
  throwsNotJson(t, () => createPatch({ a: [1] }, { a: [1, undefined] }), 'a[1]', 'undefined');
  throwsNotJson(t, () => createPatch({ a: [1] }, { a: [1, , 3] }), 'a[1]', 'undefined');
  throwsNotJson(t, () => createPatch({}, undefined), '(root)', 'undefined');
});

t.test('cycles are rejected, not followed forever', async (t) => {
  const before = pod();
  const after = structuredClone(before);
  after.spec.containers[0].self = after.spec;
  throwsNotJson(t, () => createPatch(before, after), 'spec.containers[0].self.containers[0].self', 'a cycle');
  // A cyclic element in a list that needs aligning, with many self references
  // (would be exponential to hash without cycle detection).
  const many: Obj = { name: 'loop' };
  for (let i = 0; i < 40; i++) many[`r${i}`] = many;
  const list = structuredClone(before);
  list.spec.containers.reverse();
  list.spec.containers.splice(2, 0, many);
  throwsNotJson(t, () => createPatch(before, list), 'spec.containers[2].r0', 'a cycle');
});

t.test('encodePatch is base64 of the JSON array', async (t) => {
  t.equal(encodePatch([]), 'W10=');
  const ops: PatchOperation[] = [{ op: 'add', path: '/metadata/labels/caf\u00e9~1x', value: '\u{1F600}' }];
  const wire = encodePatch(ops);
  t.match(wire, /^[A-Za-z0-9+/]+=*$/);
  t.same(JSON.parse(Buffer.from(wire, 'base64').toString('utf8')), ops);
  const withUndefined = createPatch({}, { a: { b: undefined, c: 1 } });
  t.equal(Buffer.from(encodePatch(withUndefined), 'base64').toString('utf8'), '[{"op":"add","path":"/a","value":{"c":1}}]');
});
