import t from 'tap';
import type { Test } from 'tap';
import { SchemaRegistry, formatIssues, KUBERNETES_VERSION } from '../../src/schemas/registry.ts';
import type { SchemaCheck, SchemaIssue } from '../../src/schemas/registry.ts';
import { POD, deepFreeze, pod5k } from './support.ts';

const registry = SchemaRegistry.builtin();

function issuesOf(r: SchemaCheck): SchemaIssue[] {
  return r.ok ? [] : r.issues;
}

/** The single issue a one-change mutation of the 5k Pod must produce. */
function onlyIssue(t: Test, mutate: (pod: Record<string, any>) => void): SchemaIssue | undefined {
  const pod = pod5k();
  mutate(pod);
  const r = registry.check(POD, pod);
  t.equal(r.ok, false, 'rejected');
  const issues = issuesOf(r);
  t.equal(issues.length, 1, `one issue: ${formatIssues(issues)}`);
  return issues[0];
}

t.test('the 5k Pod validates', async (t) => {
  t.same(registry.check(POD, pod5k()), { ok: true });
  t.equal(KUBERNETES_VERSION, 'v1.36');
});

t.test('null where an array is required is an issue, not a crash', async (t) => {
  const i = onlyIssue(t, (p) => (p['spec'].containers = null));
  t.same(i, { path: 'spec.containers', expected: 'array', received: 'null', message: 'expected array, got null' });
  const missing = onlyIssue(t, (p) => delete p['spec'].containers);
  t.equal(missing?.message, 'expected array, got missing');
});

t.test('a string port is reported with its path', async (t) => {
  const i = onlyIssue(t, (p) => (p['spec'].containers[0].ports[0].containerPort = '8080'));
  t.equal(formatIssues([i!]), 'spec.containers[0].ports[0].containerPort: expected integer, got string');
});

t.test('int32 overflow', async (t) => {
  const i = onlyIssue(t, (p) => (p['spec'].containers[0].ports[0].containerPort = 2 ** 31));
  t.same(i, { path: 'spec.containers[0].ports[0].containerPort', expected: 'integer in int32 range', received: '2147483648', message: 'expected integer in int32 range, got 2147483648' });
  t.equal(onlyIssue(t, (p) => (p['spec'].containers[0].ports[0].containerPort = 80.5))?.expected, 'integer');
});

t.test('quantities: grammar checked, numbers accepted', async (t) => {
  const i = onlyIssue(t, (p) => (p['spec'].containers[0].resources.limits.cpu = '1.5 cores'));
  t.equal(i?.path, 'spec.containers[0].resources.limits.cpu');
  t.equal(i?.received, '"1.5 cores"');
  t.match(i?.expected, /^quantity/);
  const pod = pod5k();
  pod['spec'].containers[0].resources.limits.cpu = 2;
  pod['spec'].containers[0].resources.requests.memory = 0.5;
  t.same(registry.check(POD, pod), { ok: true }, 'cpu: 2 is a valid quantity');
});

t.test('int-or-string: integers and strings only', async (t) => {
  const i = onlyIssue(t, (p) => (p['spec'].containers[0].livenessProbe.httpGet.port = true));
  t.same(i, { path: 'spec.containers[0].livenessProbe.httpGet.port', expected: 'integer or string', received: 'boolean', message: 'expected integer or string, got boolean' });
  const pod = pod5k();
  pod['spec'].containers[0].livenessProbe.httpGet.port = 'http';
  t.same(registry.check(POD, pod), { ok: true });
  t.equal(onlyIssue(t, (p) => (p['spec'].containers[0].livenessProbe.httpGet.port = 1.5))?.received, 'number');
});

t.test('date-time fields', async (t) => {
  const i = onlyIssue(t, (p) => (p['metadata'].managedFields[0].time = 'yesterday'));
  t.same(i, { path: 'metadata.managedFields[0].time', expected: 'RFC 3339 date-time', received: '"yesterday"', message: 'expected RFC 3339 date-time, got "yesterday"' });
  const pod = pod5k();
  t.equal(pod['metadata'].creationTimestamp, null, 'the fixture carries creationTimestamp: null, as the API server writes a zero Time');
  t.same(registry.check(POD, pod), { ok: true });
});

t.test('base64 (format: byte) in a Secret, without echoing the data', async (t) => {
  const secret = { group: '', version: 'v1', kind: 'Secret' };
  const good = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'Opaque', data: { password: 'c2VjcmV0' }, stringData: { plain: 'not base64 at all' } };
  t.same(registry.check(secret, good), { ok: true });
  const r = registry.check(secret, { ...good, data: { password: 'secret!' } });
  t.same(issuesOf(r), [{ path: 'data.password', expected: 'base64 string', received: 'string of 7 characters (not shown)', message: 'expected base64 string, got string of 7 characters (not shown)' }]);
  t.notMatch(JSON.stringify(r), /secret!/);
});

t.test('apiVersion and kind must match the GVK', async (t) => {
  const pod = pod5k();
  t.same(issuesOf(registry.check({ group: 'apps', version: 'v1', kind: 'Deployment' }, pod)).map((i) => i.path).slice(0, 2), ['apiVersion', 'kind']);
  pod['kind'] = 'Service';
  t.same(issuesOf(registry.check(POD, pod)), [{ path: 'kind', expected: '"Pod"', received: '"Service"', message: 'expected "Pod", got "Service"' }]);
  const noTypeMeta = pod5k();
  delete noTypeMeta['apiVersion'];
  t.same(issuesOf(registry.check(POD, noTypeMeta)), [{ path: 'apiVersion', expected: '"v1"', received: 'missing', message: 'expected "v1", got missing' }]);
});

t.test('not an object at all', async (t) => {
  for (const v of [null, 'None', 42, [], undefined]) {
    const issues = issuesOf(registry.check(POD, v));
    t.equal(issues.length, 1, JSON.stringify(v));
    t.equal(issues[0]?.path, '');
    t.equal(issues[0]?.expected, 'object');
  }
});

t.test('unknown fields are kept and the object is never changed', async (t) => {
  const pod = pod5k();
  pod['spec'].containers[0].futureField = { nested: [1, 2, 3] };
  pod['spec'].notYetInvented = true;
  pod['topLevelExtra'] = 'x';
  const before = JSON.stringify(pod);
  deepFreeze(pod);
  t.same(registry.check(POD, pod), { ok: true }, 'a frozen object validates: nothing writes to it');
  t.equal(JSON.stringify(pod), before, 'same content, same key order');
  const bad = deepFreeze({ ...pod5k(), spec: 'not a spec' });
  t.equal(registry.check(POD, bad).ok, false, 'failing path does not write either');
});

t.test('null on optional fields is accepted (the API server decodes it as unset)', async (t) => {
  const pod = pod5k();
  pod['spec'].initContainers = null;
  pod['spec'].nodeSelector = null;
  pod['metadata'].labels = null;
  pod['spec'].containers[0].ports[0].protocol = null;
  t.same(registry.check(POD, pod), { ok: true });
  const mapNull = pod5k();
  mapNull['metadata'].labels.app = null;
  t.equal(issuesOf(registry.check(POD, mapNull))[0]?.path, 'metadata.labels.app', 'a null map value is not a field: refused');
  const itemNull = pod5k();
  itemNull['spec'].containers[1] = null;
  t.equal(issuesOf(registry.check(POD, itemNull))[0]?.path, 'spec.containers[1]');
});

t.test('enums are open by default, strict on request', async (t) => {
  const pod = pod5k();
  pod['spec'].containers[0].imagePullPolicy = 'SometimesMaybe';
  t.same(registry.check(POD, pod), { ok: true }, 'a value from a newer release is not a denial');
  const strict = SchemaRegistry.builtin({ strictEnums: true });
  const issues = issuesOf(strict.check(POD, pod));
  t.same(issues.map((i) => [i.path, i.expected, i.received]), [['spec.containers[0].imagePullPolicy', 'one of "Always", "IfNotPresent", "Never"', '"SometimesMaybe"']]);
  t.same(strict.check(POD, pod5k()), { ok: true });
  t.equal(onlyIssue(t, (p) => (p['spec'].containers[0].imagePullPolicy = 7))?.expected, 'string', 'open enums still need a string');
});

t.test('a GVK without a schema', async (t) => {
  const gvk = { group: 'example.com', version: 'v1', kind: 'Widget' };
  t.equal(registry.has(gvk), false);
  t.same(issuesOf(registry.check(gvk, {})), [{ path: '', expected: 'a kind with a schema', received: 'example.com/v1, Kind=Widget', message: 'no schema for example.com/v1, Kind=Widget' }]);
  t.equal(registry.has({ group: 'extensions', version: 'v1beta1', kind: 'Ingress' }), false, 'removed APIs have no schema');
  t.ok(registry.keys().includes('apps/v1/Deployment'));
  t.ok(registry.keys().length > 300);
});

t.test('bounds come first: deep or huge objects are one clean issue', async (t) => {
  const pod = pod5k();
  let deep: Record<string, unknown> = {};
  const top = deep;
  for (let i = 0; i < 100_000; i++) {
    const next = {};
    deep['x'] = next;
    deep = next;
  }
  pod['metadata'].annotations = top;
  const issues = issuesOf(registry.check(POD, pod));
  t.equal(issues.length, 1);
  t.match(issues[0]?.message, /nesting depth at most 128/);
  const small = SchemaRegistry.builtin({ bounds: { maxNodes: 100 } });
  t.match(issuesOf(small.check(POD, pod5k()))[0]?.message, /at most 100 values/);
  // A size the caller measured stands for the walk only when it is within the bounds.
  t.match(issuesOf(small.check(POD, pod5k(), { sizeAtMost: { values: 101, depth: 5 } }))[0]?.message, /at most 100 values/, 'over: walked');
  t.match(issuesOf(registry.check(POD, pod, { sizeAtMost: { values: 200_001, depth: 10 } }))[0]?.message, /nesting depth at most 128/, 'over: walked');
  t.same(small.check(POD, pod5k(), { sizeAtMost: { values: 100, depth: 12 } }), { ok: true }, 'within: taken as measured, not walked (this claim is false, and believed)');
  const bad = pod5k();
  (bad['spec'] as { containers: { ports?: unknown }[] }).containers[0]!.ports = [{ containerPort: 'eighty' }];
  t.match(issuesOf(registry.check(POD, bad, { sizeAtMost: { values: 400, depth: 12 } })), [{ path: 'spec.containers[0].ports[0].containerPort' }], 'a failing object is still reported in full');
});

t.test('recursive definitions (a CRD object as a built-in kind) validate', async (t) => {
  const crdKind = { group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition' };
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'things.example.com' },
    spec: {
      group: 'example.com',
      names: { kind: 'Thing', plural: 'things' },
      scope: 'Namespaced',
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { a: { type: 'array', items: { type: 'string' } } }, additionalProperties: false } } } } }],
    },
  };
  t.same(registry.check(crdKind, crd), { ok: true });
  (crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec.properties.a as Record<string, unknown>)['items'] = 'string';
  const issues = issuesOf(registry.check(crdKind, crd));
  t.equal(issues[0]?.path, 'spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.a.items');
  t.match(issues[0]?.expected, /object.*array|array.*object/);
});

t.test('issues are capped', async (t) => {
  const pod = pod5k();
  pod['spec'].containers = Array.from({ length: 200 }, () => ({ name: 1 }));
  const issues = issuesOf(SchemaRegistry.builtin({ maxIssues: 5 }).check(POD, pod));
  t.equal(issues.length, 5);
  t.equal(issuesOf(registry.check(POD, pod)).length, 50, 'default cap');
});

t.test('large objects: many bad values cost neither a crash nor a flood of issues', async (t) => {
  const pod = { apiVersion: 'v1', kind: 'Pod', spec: { containers: [{ name: 'a', args: Array.from({ length: 150_000 }, (_, i) => i) }] } };
  // zod collects issues by spreading arrays; 150k of them overflowed the stack before
  // large objects were switched to first-issue reports.
  t.same(issuesOf(registry.check(POD, pod)).map((i) => i.path), ['spec.containers[0].args[0]']);
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: {} as Record<string, unknown> };
  for (let i = 0; i < 150_000; i++) cm.data[`k${i}`] = i % 2 === 0 ? i : 'v';
  const issues = issuesOf(registry.check({ group: '', version: 'v1', kind: 'ConfigMap' }, cm));
  t.equal(issues.length, 50, 'capped at maxIssues');
  t.same(issues[0], { path: 'data.k0', expected: 'string', received: 'integer', message: 'expected string, got integer' });
  const small = pod5k();
  small['spec'].containers[0].args = ['a', 1, 'b', 2];
  t.same(issuesOf(registry.check(POD, small)).map((i) => i.path), ['spec.containers[0].args[1]', 'spec.containers[0].args[3]'], 'small objects get every issue');
});
