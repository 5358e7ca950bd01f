import t from 'tap';
import type { Test } from 'tap';
import { loadCrdFiles, parseCrdManifests } from '../../src/schemas/crd.ts';
import type { CrdManifest } from '../../src/schemas/crd.ts';
import { SchemaRegistry, formatIssues } from '../../src/schemas/registry.ts';
import { KadmitError } from '../../src/errors.ts';
import { WIDGET, check, deepFreeze, manifest, widget, widgetCrd, withSpec } from './support.ts';

const builtin = SchemaRegistry.builtin();
const crd = widgetCrd;

function invalidCrd(t: Test, schema: unknown, pattern: RegExp): void {
  const err = t.throws(() => builtin.withCrds([manifest(crd(schema), 'widgets.yaml#1')])) as KadmitError;
  t.equal(err?.code, 'KADMIT_CRD_INVALID');
  t.match(err?.message, /^CRD widgets\.example\.com \(widgets\.yaml#1\): /);
  t.match(err?.message, pattern);
}

t.test('loading: multi-document YAML, JSON, List, empty documents', async (t) => {
  const yaml = [
    '---',
    'apiVersion: apiextensions.k8s.io/v1',
    'kind: CustomResourceDefinition',
    'metadata: {name: widgets.example.com}',
    'spec:',
    '  group: example.com',
    '  scope: Namespaced',
    '  names: {kind: Widget, plural: widgets}',
    '  versions:',
    '    - {name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}',
    '    - {name: v2, served: true, storage: false, schema: {openAPIV3Schema: {type: object}}}',
    '    - {name: v0, served: false, storage: false}',
    '---',
    '# nothing here',
    '---',
  ].join('\n');
  const docs = parseCrdManifests(yaml, 'multi.yaml');
  t.equal(docs.length, 1);
  t.equal(docs[0]?.source, 'multi.yaml#1');
  const reg = builtin.withCrds(docs);
  t.ok(reg.has(WIDGET));
  t.ok(reg.has({ ...WIDGET, version: 'v2' }));
  t.notOk(reg.has({ ...WIDGET, version: 'v0' }), 'versions that are not served get no schema');
  const json = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [crd({ type: 'object' }), crd({ type: 'object' }, { name: 'gadgets.example.com' })] });
  const listed = parseCrdManifests(json, 'list.json');
  t.same(listed.map((m) => m.source), ['list.json#1.items[0]', 'list.json#1.items[1]']);
});

t.test('loading errors name the file and document', async (t) => {
  t.throws(() => parseCrdManifests('a: [1,\n', 'broken.yaml'), { code: 'KADMIT_CRD_PARSE', message: /^broken\.yaml#1: / });
  t.throws(() => parseCrdManifests('a: 1\na: 2\n', 'dup.yaml'), { code: 'KADMIT_CRD_PARSE' });
  await t.rejects(loadCrdFiles(['/nonexistent/crd.yaml']), { code: 'KADMIT_CRD_PARSE', message: /cannot read CRD file \/nonexistent\/crd\.yaml/ });
  t.throws(() => builtin.withCrds([manifest({ apiVersion: 'v1', kind: 'Namespace' }, 'ns.yaml#2')]), {
    code: 'KADMIT_CRD_INVALID',
    message: 'ns.yaml#2: expected an apiextensions.k8s.io/v1 CustomResourceDefinition, got v1 Namespace',
  });
  t.throws(() => builtin.withCrds([manifest({ ...crd({ type: 'object' }), apiVersion: 'apiextensions.k8s.io/v1beta1' })]), { code: 'KADMIT_CRD_INVALID' });
});

t.test('a CRD must fit the CustomResourceDefinition schema itself', async (t) => {
  const bad = crd({ type: 'object' });
  (bad['spec'] as Record<string, unknown>)['versions'] = 'v1';
  t.throws(() => builtin.withCrds([manifest(bad)]), { code: 'KADMIT_CRD_INVALID', message: /CRD widgets\.example\.com \(test\): spec\.versions: expected array, got string/ });
  t.throws(() => builtin.withCrds([manifest(crd(undefined))]), { message: /spec\.versions\[0\]\.schema\.openAPIV3Schema: required for a served version/ });
  t.throws(() => builtin.withCrds([manifest(crd({ type: 'object' }, { name: 'widget.example.com' }))]), {
    message: 'CRD widget.example.com (test): metadata.name: must be spec.names.plural + "." + spec.group (widgets.example.com)',
  });
});

t.test('conflicts: a GVK is defined once', async (t) => {
  const reg = builtin.withCrds([manifest(crd({ type: 'object' }))]);
  t.throws(() => reg.withCrds([manifest(crd({ type: 'object' }), 'again.yaml#1')]), { code: 'KADMIT_CRD_CONFLICT', message: /again\.yaml#1.*example\.com\/v1, Kind=Widget/ });
  const shadow = crd({ type: 'object' }, { name: 'deployments.apps' });
  Object.assign(shadow['spec'] as object, { group: 'apps', names: { kind: 'Deployment', plural: 'deployments' } });
  t.throws(() => builtin.withCrds([manifest(shadow)]), { code: 'KADMIT_CRD_CONFLICT' });
  t.notOk(builtin.has(WIDGET), 'withCrds returns a new registry; the original is unchanged');
});

t.test('structural-schema rules: a CRD the API server refuses fails, naming the path', async (t) => {
  const at = 'spec\\.versions\\[0\\]\\.schema\\.openAPIV3Schema';
  invalidCrd(t, { type: 'object', properties: { spec: { properties: {} } } }, new RegExp(`${at}\\.properties\\.spec\\.type: must not be empty for specified object fields`));
  invalidCrd(t, { properties: {} }, new RegExp(`${at}\\.type: must not be empty at the root`));
  invalidCrd(t, { type: 'string' }, new RegExp(`${at}\\.type: must be object at the root`));
  invalidCrd(t, { type: 'object', properties: { a: { type: 'array' } } }, new RegExp(`${at}\\.properties\\.a\\.items: must be specified`));
  invalidCrd(t, { type: 'object', properties: { a: { type: 'object', properties: { b: { type: 'string' } }, additionalProperties: { type: 'string' } } } }, /properties\.a\.additionalProperties: additionalProperties and properties are mutual exclusive/);
  invalidCrd(t, { type: 'object', additionalProperties: { type: 'string' } }, new RegExp(`${at}\\.additionalProperties: must not be used at the root`));
  invalidCrd(t, { type: 'object', properties: { a: { $ref: '#/definitions/x' } } }, /properties\.a\.\$ref: \$ref is not supported/);
  invalidCrd(t, { type: 'object', properties: { a: { type: 'array', items: { type: 'string' }, uniqueItems: true } } }, /uniqueItems cannot be set to true/);
  invalidCrd(t, { type: 'object', properties: { a: { type: 'string', pattern: '(' } } }, /properties\.a\.pattern: must be a valid regular expression/);
  invalidCrd(t, { type: 'object', properties: { a: { type: 'string', anyOf: [{ type: 'string' }] } } }, /properties\.a\.anyOf\[0\]\.type: must be undefined to be structural/);
  invalidCrd(t, { type: 'object', properties: { metadata: { type: 'object', properties: { labels: { type: 'object' } } } } }, /properties\.metadata: must not specify anything other than name and generateName/);
  invalidCrd(t, { type: 'object', properties: { a: { type: 'string', 'x-kubernetes-embedded-resource': true } } }, /properties\.a\.type: must be object if x-kubernetes-embedded-resource is true/);
  invalidCrd(t, { type: 'object', properties: { a: { 'x-kubernetes-int-or-string': true, 'x-kubernetes-preserve-unknown-fields': true } } }, /must be false if x-kubernetes-int-or-string is true/);
  invalidCrd(t, { type: 'object', properties: { a: { type: 'string', enum: ['x', 3] } } }, /properties\.a\.enum\[1\]: invalid value in enum: 3/);
  invalidCrd(t, { type: 'object', properties: { a: { type: 'null' } } }, /type cannot be set to null, use nullable/);
  invalidCrd(t, { type: 'object', properties: { a: { type: 'array', items: [{ type: 'string' }] } } }, /items must be a schema object and not an array/);
});

t.test('types, required, items, maps', async (t) => {
  const reg = withSpec({
    type: 'object',
    required: ['name'],
    properties: {
      name: { type: 'string' },
      count: { type: 'integer' },
      ratio: { type: 'number' },
      on: { type: 'boolean' },
      tags: { type: 'array', items: { type: 'string' } },
      env: { type: 'object', additionalProperties: { type: 'string' } },
    },
  });
  t.equal(check(reg, widget({ name: 'a', count: 2, ratio: 0.5, on: true, tags: ['x'], env: { A: 'b' } })), '');
  t.equal(check(reg, widget({ count: 1 })), 'spec.name: expected string, got missing');
  t.equal(check(reg, widget({ name: 'a', count: 1.5 })), 'spec.count: expected integer, got number');
  t.equal(check(reg, widget({ name: 'a', ratio: '1' })), 'spec.ratio: expected number, got string');
  t.equal(check(reg, widget({ name: 'a', on: 'yes' })), 'spec.on: expected boolean, got string');
  t.equal(check(reg, widget({ name: 'a', tags: ['x', 1] })), 'spec.tags[1]: expected string, got integer');
  t.equal(check(reg, widget({ name: 'a', env: { A: 1 } })), 'spec.env.A: expected string, got integer');
  t.equal(check(reg, widget('nope')), 'spec: expected object, got string');
});

t.test('value validations: enum, pattern, bounds, lengths, sizes, multipleOf', async (t) => {
  const reg = withSpec({
    type: 'object',
    properties: {
      mode: { type: 'string', enum: ['a', 'b'] },
      id: { type: 'string', pattern: '^[a-z]+$' },
      n: { type: 'integer', minimum: 1, maximum: 10 },
      x: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1, exclusiveMaximum: true },
      s: { type: 'string', minLength: 2, maxLength: 3 },
      l: { type: 'array', items: { type: 'integer' }, minItems: 1, maxItems: 2 },
      m: { type: 'object', additionalProperties: { type: 'integer' }, minProperties: 1, maxProperties: 1 },
      step: { type: 'integer', multipleOf: 5 },
    },
  });
  t.equal(check(reg, widget({ mode: 'a', id: 'abc', n: 10, x: 0.5, s: '🙂🙂', l: [1], m: { a: 1 }, step: 15 })), '', 'lengths count code points, as the API server does');
  t.equal(check(reg, widget({ mode: 'c' })), 'spec.mode: expected one of "a", "b", got "c"');
  t.equal(check(reg, widget({ id: 'ABC' })), 'spec.id: expected string matching /^[a-z]+$/, got "ABC"');
  t.equal(check(reg, widget({ n: 0 })), 'spec.n: expected number >= 1, got 0');
  t.equal(check(reg, widget({ n: 11 })), 'spec.n: expected number <= 10, got 11');
  t.equal(check(reg, widget({ x: 0 })), 'spec.x: expected number > 0, got 0');
  t.equal(check(reg, widget({ x: 1 })), 'spec.x: expected number < 1, got 1');
  t.equal(check(reg, widget({ s: 'a' })), 'spec.s: expected string of at least 2 characters, got "a"');
  t.equal(check(reg, widget({ s: 'abcd' })), 'spec.s: expected string of at most 3 characters, got "abcd"');
  t.equal(check(reg, widget({ l: [] })), 'spec.l: expected at least 1 items, got array');
  t.equal(check(reg, widget({ l: [1, 2, 3] })), 'spec.l: expected at most 2 items, got array');
  t.equal(check(reg, widget({ m: {} })), 'spec.m: expected at least 1 properties, got object');
  t.equal(check(reg, widget({ step: 7 })), 'spec.step: expected multiple of 5, got 7');
});

t.test('formats: checked where unambiguous, unknown formats ignored', async (t) => {
  const reg = withSpec({
    type: 'object',
    properties: {
      small: { type: 'integer', format: 'int32' },
      when: { type: 'string', format: 'date-time' },
      day: { type: 'string', format: 'date' },
      blob: { type: 'string', format: 'byte' },
      id: { type: 'string', format: 'uuid' },
      ip: { type: 'string', format: 'ipv4' },
      net: { type: 'string', format: 'cidr' },
      free: { type: 'string', format: 'something-new' },
    },
  });
  t.equal(check(reg, widget({ small: 5, when: '2026-01-01T00:00:00Z', day: '2024-02-29', blob: 'YQ==', id: '0e6b2c2a-9c5d-4f5e-8a7b-1c2d3e4f5a6b', ip: '10.0.0.1', net: '10.0.0.0/8', free: 'anything' })), '');
  t.equal(check(reg, widget({ small: 2 ** 31 })), 'spec.small: expected integer in int32 range, got 2147483648');
  t.equal(check(reg, widget({ when: 'now' })), 'spec.when: expected RFC 3339 date-time, got "now"');
  t.equal(check(reg, widget({ day: '2025-02-29' })), 'spec.day: expected date (YYYY-MM-DD), got "2025-02-29"');
  t.match(check(reg, widget({ blob: 'nope!' })), /spec\.blob: expected base64 string/);
  t.equal(check(reg, widget({ id: 'x' })), 'spec.id: expected UUID, got "x"');
  t.equal(check(reg, widget({ ip: '300.1.1.1' })), 'spec.ip: expected IPv4 address, got "300.1.1.1"');
  t.equal(check(reg, widget({ net: '10.0.0.0/33' })), 'spec.net: expected CIDR (address/prefix), got "10.0.0.0/33"');
});

t.test('nullable and null', async (t) => {
  const reg = withSpec({
    type: 'object',
    required: ['must'],
    properties: {
      must: { type: 'string' },
      maybe: { type: 'string', nullable: true },
      plain: { type: 'string' },
      list: { type: 'array', items: { type: 'string' } },
      nlist: { type: 'array', items: { type: 'string', nullable: true } },
    },
  });
  t.equal(check(reg, widget({ must: 'x', maybe: null, plain: null, nlist: [null] })), '', 'null on an optional field is pruned by the API server, so accepted');
  t.equal(check(reg, widget({ must: null })), 'spec.must: expected string, got null');
  t.equal(check(reg, widget({ must: 'x', list: ['a', null] })), 'spec.list[1]: expected string, got null');
});

t.test('x-kubernetes-int-or-string', async (t) => {
  const reg = withSpec({ type: 'object', properties: { port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] }, bare: { 'x-kubernetes-int-or-string': true } } });
  t.equal(check(reg, widget({ port: 8080, bare: 'http' })), '');
  t.equal(check(reg, widget({ port: 'http', bare: 9 })), '');
  t.equal(check(reg, widget({ port: true })), 'spec.port: expected integer or string, got boolean');
  t.equal(check(reg, widget({ bare: 1.5 })), 'spec.bare: expected integer or string, got number');
});

t.test('x-kubernetes-preserve-unknown-fields: anything goes, and is kept', async (t) => {
  const reg = withSpec({ type: 'object', properties: { raw: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, any: { 'x-kubernetes-preserve-unknown-fields': true } } });
  const obj = deepFreeze(widget({ raw: { deep: { er: [1, 'two', null] } }, any: [1, { a: 2 }] }));
  const before = JSON.stringify(obj);
  t.equal(check(reg, obj), '');
  t.equal(JSON.stringify(obj), before);
  t.equal(check(reg, widget({ raw: 'str' })), 'spec.raw: expected object, got string');
});

t.test('untyped preserve-unknown-fields with properties; RE2 flag groups', async (t) => {
  const reg = withSpec({
    type: 'object',
    properties: {
      loose: { 'x-kubernetes-preserve-unknown-fields': true, properties: { a: { type: 'integer' } } },
      name: { type: 'string', pattern: '(?i)^abc$' },
    },
  });
  t.equal(check(reg, widget({ loose: { a: 1, b: 'x' }, name: 'ABC' })), '');
  t.equal(check(reg, widget({ loose: 'a string is fine: no type' })), '');
  t.equal(check(reg, widget({ loose: { a: 'x' } })), 'spec.loose.a: expected integer, got string');
  t.equal(check(reg, widget({ name: 'abd' })), 'spec.name: expected string matching /(?i)^abc$/, got "abd"');
});

t.test('x-kubernetes-embedded-resource: apiVersion, kind, and ObjectMeta metadata', async (t) => {
  const reg = withSpec({ type: 'object', properties: { template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true } } });
  t.equal(check(reg, widget({ template: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { a: 'b' } }, data: { k: 'v' } } })), '');
  t.equal(check(reg, widget({ template: { kind: 'ConfigMap' } })), 'spec.template.apiVersion: expected non-empty string, got missing');
  t.equal(check(reg, widget({ template: { apiVersion: 'v1', kind: '' } })), 'spec.template.kind: expected non-empty string, got ""');
  t.equal(check(reg, widget({ template: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { labels: { a: 1 } } } })), 'spec.template.metadata.labels.a: expected string, got integer');
});

t.test('the resource root: metadata is ObjectMeta, name/generateName may be restricted', async (t) => {
  const reg = builtin.withCrds([manifest(crd({ type: 'object', properties: { metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 5 } } } } }))]);
  t.equal(check(reg, widget(undefined, { metadata: { name: 'short' } })), '');
  t.equal(check(reg, widget(undefined, { metadata: { name: 'much-too-long' } })), 'metadata.name: expected string of at most 5 characters, got "much-too-long"');
  t.equal(check(reg, widget(undefined, { metadata: { labels: 'x' } })), 'metadata.labels: expected object, got string');
  t.equal(check(reg, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { creationTimestamp: 'soon' } }), 'metadata.creationTimestamp: expected RFC 3339 date-time, got "soon"');
});

t.test('allOf, anyOf, oneOf, not', async (t) => {
  const reg = withSpec({
    type: 'object',
    properties: {
      a: { type: 'string' },
      b: { type: 'string' },
      n: { type: 'integer', not: { enum: [13] } },
      s: { type: 'string', anyOf: [{ pattern: '^x' }, { pattern: 'y$' }] },
      all: { type: 'object', properties: { p: { type: 'integer' }, q: { type: 'integer' } }, allOf: [{ required: ['p'] }, { required: ['q'] }] },
    },
    oneOf: [{ required: ['a'] }, { required: ['b'] }],
  });
  t.equal(check(reg, widget({ a: '1', n: 12, s: 'xa', all: { p: 1, q: 2 } })), '');
  t.equal(check(reg, widget({ a: '1', b: '2' })), 'spec: expected a value matching exactly one of 2 oneOf schemas, got object');
  t.equal(check(reg, widget({})), 'spec: expected a value matching exactly one of 2 oneOf schemas, got object');
  t.equal(check(reg, widget({ a: '1', n: 13 })), 'spec.n: expected a value not matching the "not" schema, got integer');
  t.equal(check(reg, widget({ a: '1', s: 'bad' })), 'spec.s: expected a value matching at least one of 2 anyOf schemas, got string');
  t.equal(check(reg, widget({ a: '1', all: { p: 1 } })), 'spec.all.q: expected a value (required), got missing');
});

t.test('unknown fields are kept and the object is never changed, while its CEL rules are evaluated', async (t) => {
  const reg = withSpec({ type: 'object', properties: { a: { type: 'string' } }, 'x-kubernetes-validations': [{ rule: 'self.a != "forbidden"' }] });
  const obj = deepFreeze(widget({ a: 'forbidden', surprise: { x: 1 } }, { status: { whatever: true } }));
  const before = JSON.stringify(obj);
  t.equal(check(reg, obj), 'spec: Invalid value: "object": failed rule: self.a != "forbidden"');
  t.equal(check(reg, widget({ a: 'fine', surprise: { x: 1 } })), '');
  t.equal(JSON.stringify(obj), before);
});
