// CRD validation rules (x-kubernetes-validations) as the API server evaluates
// them, built from the examples in the Kubernetes documentation ("Validation
// rules" in "Extend the Kubernetes API with CustomResourceDefinitions"): each
// rule with an object that passes and one that fails, with the API server's
// wording for the failure. Then transition rules, messageExpression, reason and
// fieldPath, list types, defaults, ratcheting, the cost bound, and rules that
// fail to load.
import t from 'tap';
import type { Test } from 'tap';
import { KadmitError } from '../../src/errors.ts';
import { SchemaRegistry } from '../../src/schemas/registry.ts';
import { check, deepFreeze, manifest, widget, widgetCrd, withSpec } from './support.ts';

const rule = (r: string, extra: Record<string, unknown> = {}) => ({ 'x-kubernetes-validations': [{ rule: r, ...extra }] });
const int = { type: 'integer' };
const str = { type: 'string' };
const strings = { type: 'array', items: str };
const obj = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'object', properties, ...extra });
const mapOf = (values: unknown) => ({ type: 'object', additionalProperties: values });

interface Example {
  rule: string;
  schema: Record<string, unknown>;
  pass: unknown;
  fail: unknown;
}

// The table of the documentation, rule by rule (each on `spec`).
const EXAMPLES: Example[] = [
  {
    rule: 'self.minReplicas <= self.replicas && self.replicas <= self.maxReplicas',
    schema: { minReplicas: int, replicas: int, maxReplicas: int },
    pass: { minReplicas: 1, replicas: 3, maxReplicas: 5 },
    fail: { minReplicas: 1, replicas: 7, maxReplicas: 5 },
  },
  { rule: "'Available' in self.stateCounts", schema: { stateCounts: mapOf(int) }, pass: { stateCounts: { Available: 1 } }, fail: { stateCounts: { Pending: 1 } } },
  { rule: '(size(self.list1) == 0) != (size(self.list2) == 0)', schema: { list1: strings, list2: strings }, pass: { list1: ['a'], list2: [] }, fail: { list1: ['a'], list2: ['b'] } },
  {
    rule: "!('MY_FIELD' in self.map1) || self.map1['MY_FIELD'].matches('^[a-zA-Z]*$')",
    schema: { map1: mapOf(str) },
    pass: { map1: { MY_FIELD: 'abc' } },
    fail: { map1: { MY_FIELD: 'abc1' } },
  },
  {
    rule: "self.envars.filter(e, e.name == 'MY_ENV').all(e, e.value.matches('^[a-zA-Z]*$'))",
    schema: { envars: { type: 'array', items: obj({ name: str, value: str }) } },
    pass: { envars: [{ name: 'MY_ENV', value: 'abc' }, { name: 'OTHER', value: '1' }] },
    fail: { envars: [{ name: 'MY_ENV', value: 'a-b' }] },
  },
  {
    rule: 'has(self.expired) && self.created + self.ttl < self.expired',
    schema: { created: { type: 'string', format: 'date-time' }, ttl: { type: 'string', format: 'duration' }, expired: { type: 'string', format: 'date-time' } },
    pass: { created: '2023-06-14T02:00:00Z', ttl: '1h', expired: '2023-06-14T04:00:00Z' },
    fail: { created: '2023-06-14T02:00:00Z', ttl: '3h', expired: '2023-06-14T04:00:00Z' },
  },
  { rule: "self.health.startsWith('ok')", schema: { health: str }, pass: { health: 'ok-ish' }, fail: { health: 'degraded' } },
  {
    rule: "self.widgets.exists(w, w.key == 'x' && w.foo < 10)",
    schema: { widgets: { type: 'array', items: obj({ key: str, foo: int }) } },
    pass: { widgets: [{ key: 'y', foo: 1 }, { key: 'x', foo: 5 }] },
    fail: { widgets: [{ key: 'x', foo: 50 }] },
  },
  {
    rule: "type(self.value) == string ? self.value == '100%' : self.value == 1000",
    schema: { value: { 'x-kubernetes-int-or-string': true } },
    pass: { value: 1000 },
    fail: { value: '99%' },
  },
  { rule: 'self.set1.all(e, !(e in self.set2))', schema: { set1: strings, set2: strings }, pass: { set1: ['a'], set2: ['b'] }, fail: { set1: ['a', 'b'], set2: ['b'] } },
  {
    rule: 'size(self.names) == size(self.details) && self.names.all(n, n in self.details)',
    schema: { names: strings, details: mapOf(str) },
    pass: { names: ['a'], details: { a: 'x' } },
    fail: { names: ['a'], details: { b: 'x' } },
  },
  {
    rule: 'size(self.clusters.filter(c, c.name == self.primary)) == 1',
    schema: { clusters: { type: 'array', items: obj({ name: str }) }, primary: str },
    pass: { clusters: [{ name: 'a' }, { name: 'b' }], primary: 'a' },
    fail: { clusters: [{ name: 'a' }], primary: 'c' },
  },
];

for (const ex of EXAMPLES) {
  t.test(ex.rule, async (t) => {
    const reg = withSpec(obj(ex.schema, rule(ex.rule)));
    t.equal(check(reg, deepFreeze(widget(ex.pass))), '');
    t.equal(check(reg, deepFreeze(widget(ex.fail))), `spec: Invalid value: "object": failed rule: ${ex.rule}`);
  });
}

t.test('a rule at the root sees apiVersion, kind and metadata.name (self.metadata.name.startsWith(self.prefix))', async (t) => {
  const root = obj({ prefix: str, spec: obj({}) }, rule('self.metadata.name.startsWith(self.prefix)'));
  const reg = SchemaRegistry.builtin().withCrds([manifest(widgetCrd(root))]);
  t.equal(check(reg, { ...widget({}), prefix: 'w' }), '');
  t.equal(check(reg, { ...widget({}), prefix: 'x' }), '(root): Invalid value: "object": failed rule: self.metadata.name.startsWith(self.prefix)');
  const labels = SchemaRegistry.builtin().withCrds([manifest(widgetCrd(obj({ spec: obj({}) }, rule("self.kind == 'Widget' && !has(self.metadata.labels)"))))]);
  t.equal(check(labels, { ...widget({}), metadata: { name: 'w', labels: { a: 'b' } } }), '', 'metadata other than name and generateName is not visible');
});

t.test('message, messageExpression, reason and fieldPath', async (t) => {
  const limits = obj({ x: int, maxLimit: int }, {
    'x-kubernetes-validations': [{ rule: 'self.x <= self.maxLimit', messageExpression: '"x exceeded max limit of " + string(self.maxLimit)', fieldPath: '.x' }],
  });
  const reg = withSpec(limits);
  t.equal(check(reg, widget({ x: 3, maxLimit: 5 })), '');
  t.equal(check(reg, widget({ x: 9, maxLimit: 5 })), 'spec.x: Invalid value: "object": x exceeded max limit of 5');
  const reasons = withSpec(obj({ a: str, b: str }, {
    'x-kubernetes-validations': [
      { rule: "self.a != 'x'", message: 'a must not be x', reason: 'FieldValueForbidden', fieldPath: '.a' },
      { rule: 'has(self.b)', message: 'b is required', reason: 'FieldValueRequired', fieldPath: ".b" },
      { rule: "self.a != 'dup'", reason: 'FieldValueDuplicate' },
      { rule: "self.a != 'bad'", message: '  spaced message  ' },
    ],
  }));
  t.equal(check(reasons, widget({ a: 'x' })), 'spec.a: Forbidden: a must not be x; spec.b: Required value: b is required');
  t.equal(check(reasons, widget({ a: 'dup', b: '' })), 'spec: Duplicate value: "object"');
  t.equal(check(reasons, widget({ a: 'bad', b: '' })), 'spec: Invalid value: "object": spaced message');
  const escaped = withSpec(obj({ 'x-y': str }, rule("self.x__dash__y == 'ok'", { fieldPath: "['x-y']" })));
  t.equal(check(escaped, widget({ 'x-y': 'no' })), `spec.x-y: Invalid value: "object": failed rule: self.x__dash__y == 'ok'`);
});

t.test('a messageExpression that fails, is empty or has line breaks falls back to the message', async (t) => {
  const reg = withSpec(obj({ a: int }, {
    'x-kubernetes-validations': [
      { rule: 'self.a > 0', message: 'a must be positive', messageExpression: 'string(self.a / 0)' },
      { rule: 'self.a > 1', message: 'a must be above 1', messageExpression: "'   '" },
      { rule: 'self.a > 2', messageExpression: "'line\\nbreak'" },
    ],
  }));
  t.equal(check(reg, widget({ a: 0 })), 'spec: Invalid value: "object": a must be positive; spec: Invalid value: "object": a must be above 1; spec: Invalid value: "object": failed rule: self.a > 2');
});

t.test('runtime errors name the rule (its message when it has one)', async (t) => {
  const reg = withSpec(obj({ a: int, m: mapOf(str) }, {
    'x-kubernetes-validations': [{ rule: 'self.a / 0 == 1' }, { rule: "self.m['missing'] == 'x'", message: 'm needs its key' }],
  }));
  t.equal(check(reg, widget({ a: 1, m: {} })), 'spec: Invalid value: "object": division by zero evaluating rule: self.a / 0 == 1; spec: Invalid value: "object": no such key: missing evaluating rule: m needs its key');
});

t.test('transition rules: oldSelf on UPDATE, skipped without an old value, optionalOldSelf', async (t) => {
  const reg = withSpec(obj({
    name: { type: 'string', ...rule('self == oldSelf', { message: 'Value is immutable' }) },
    generation: { type: 'integer', ...rule('self >= oldSelf', { message: 'generation may only grow' }) },
    since: { type: 'string', ...rule('!oldSelf.hasValue() || self == oldSelf.value()', { optionalOldSelf: true, message: 'since is fixed' }) },
    once: { type: 'string', ...rule("oldSelf.hasValue() || self == 'first'", { optionalOldSelf: true, message: 'once must start as first' }) },
  }));
  const old = widget({ name: 'a', generation: 2, since: 'x' });
  t.equal(check(reg, widget({ name: 'b', generation: 1, since: 'y' })), '', 'CREATE: transition rules are skipped');
  t.equal(check(reg, widget({ name: 'a', generation: 3, since: 'x' }), { oldObject: old }), '');
  t.equal(check(reg, widget({ name: 'b', generation: 1, since: 'y' }), { oldObject: old }),
    'spec.name: Invalid value: "string": Value is immutable; spec.generation: Invalid value: "integer": generation may only grow; spec.since: Invalid value: "string": since is fixed');
  t.equal(check(reg, widget({ once: 'second' })), 'spec.once: Invalid value: "string": once must start as first', 'optionalOldSelf runs on CREATE with oldSelf = optional.none()');
  t.equal(check(reg, widget({ once: 'second' }), { oldObject: widget({ once: 'first' }) }), '');
  t.equal(check(reg, widget({ name: 'b' }), { oldObject: widget({}) }), '', 'a field absent from the old object has no oldSelf');
});

t.test('oldSelf is correlated through map keys and list-type=map keys, not through atomic lists', async (t) => {
  const immutable = { type: 'string', ...rule('self == oldSelf', { message: 'immutable' }) };
  const reg = withSpec(obj({
    byKey: mapOf(obj({ v: immutable })),
    ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['port'], items: obj({ port: int, v: immutable }, { required: ['port'] }) },
    atomic: { type: 'array', items: obj({ v: immutable }) },
  }));
  const old = widget({ byKey: { a: { v: '1' } }, ports: [{ port: 80, v: 'x' }, { port: 81, v: 'y' }], atomic: [{ v: '1' }] });
  t.equal(check(reg, widget({ byKey: { a: { v: '1' }, b: { v: '9' } }, ports: [{ port: 81, v: 'y' }, { port: 80, v: 'x' }, { port: 82, v: 'z' }], atomic: [{ v: '2' }] }), { oldObject: old }), '');
  t.equal(check(reg, widget({ byKey: { a: { v: '2' } }, ports: [{ port: 81, v: 'changed' }] }), { oldObject: old }),
    'spec.byKey.a.v: Invalid value: "string": immutable; spec.ports[0].v: Invalid value: "string": immutable');
});

t.test('ratcheting: an UPDATE may keep a value that already broke a rule, not change or add one', async (t) => {
  const reg = withSpec(obj({ items: { type: 'array', items: obj({ n: int }, rule('self.n < 10')) }, m: obj({ n: int }, rule('self.n < 10')) }));
  const old = widget({ items: [{ n: 50 }], m: { n: 50 } });
  t.equal(check(reg, widget({ items: [{ n: 50 }], m: { n: 50 } }), { oldObject: old }), '');
  t.equal(check(reg, widget({ items: [{ n: 50 }, { n: 60 }], m: { n: 51 } }), { oldObject: old }),
    'spec.items[0]: Invalid value: "object": failed rule: self.n < 10; spec.items[1]: Invalid value: "object": failed rule: self.n < 10; spec.m: Invalid value: "object": failed rule: self.n < 10');
});

t.test('list-type set and map: duplicates, as the API server reports them', async (t) => {
  const reg = withSpec(obj({
    tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: str },
    ports: {
      type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['port', 'protocol'],
      items: obj({ port: int, protocol: { type: 'string', default: 'TCP' } }, { required: ['port'] }),
    },
    atomic: { type: 'array', 'x-kubernetes-list-type': 'atomic', items: str },
  }));
  t.equal(check(reg, widget({ tags: ['a', 'b'], ports: [{ port: 80 }, { port: 80, protocol: 'UDP' }], atomic: ['x', 'x'] })), '');
  t.equal(check(reg, widget({ tags: ['a', 'b', 'a', 'a', 'b'], ports: [{ port: 80 }, { port: 80, protocol: 'TCP' }] })),
    'spec.tags[2]: Duplicate value: "a"; spec.tags[4]: Duplicate value: "b"; spec.ports[1]: Duplicate value: {"port":80,"protocol":"TCP"}', 'the default protocol makes the keys equal');
});

t.test('defaults are applied before rules, and the object handed on is unchanged', async (t) => {
  const reg = withSpec(obj({ replicas: { type: 'integer', default: 1 }, mode: { type: 'string', default: 'auto' }, nested: obj({ on: { type: 'boolean', default: true } }, { default: {} }) }, rule("self.replicas == 1 && self.mode == 'auto' && self.nested.on")));
  const w = deepFreeze(widget({}));
  t.equal(check(reg, w), '');
  t.equal(check(reg, widget({ replicas: null, mode: 'auto' })), '', 'a null the API server prunes is defaulted');
  t.equal(check(reg, widget({ replicas: 2 })), `spec: Invalid value: "object": failed rule: self.replicas == 1 && self.mode == 'auto' && self.nested.on`);
  t.same(w, widget({}));
});

t.test('a rule over its cost limit stops, with the API server message, and the limit is one setting', async (t) => {
  const cubic = 'self.items.all(a, self.items.all(b, self.items.all(c, a + b + c >= 0)))';
  const schema = obj({ items: { type: 'array', items: int } }, rule(cubic));
  const many = widget({ items: Array.from({ length: 200 }, (_, i) => i) });
  const reg = withSpec(schema);
  t.equal(check(reg, many),
    `spec: Invalid value: "object": 'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: ${cubic}`);
  t.equal(check(reg, widget({ items: [1, 2, 3] })), '', 'the same rule over a short list is well within the limit');
  const tight = withSpec(obj({ items: { type: 'array', items: int } }, rule('self.items.all(a, a >= 0)')), { celCostLimit: 50 });
  t.equal(check(tight, widget({ items: [1, 2, 3] })), '');
  t.match(check(tight, widget({ items: Array.from({ length: 100 }, (_, i) => i) })), /call cost exceeds limit for rule: self\.items\.all\(a, a >= 0\)$/);
  const perObject = withSpec({ type: 'array', items: obj({ v: { type: 'array', items: int } }, rule('self.v.all(x, x >= 0)')) }, { celCostLimit: 400 });
  const objects = widget(Array.from({ length: 100 }, () => ({ v: Array.from({ length: 20 }, (_, i) => i) })));
  t.match(check(perObject, objects), /^spec\[\d+\]: Invalid value: "object": validation failed due to running out of cost budget, no further validation rules will be run$/, 'all rules on one object share ten times the limit');
});

function loadError(t: Test, spec: unknown, pattern: RegExp): void {
  const err = t.throws(() => withSpec(spec)) as KadmitError;
  t.equal(err?.code, 'KADMIT_CRD_INVALID');
  t.match(err?.message, pattern);
}

t.test('a rule that does not compile fails the load with its path, the rule and the compiler message', async (t) => {
  loadError(t, obj({ a: str }, rule('self.a.noSuchFunction()')),
    /^CRD widgets\.example\.com \(test\): spec\.versions\[0\]\.schema\.openAPIV3Schema\.properties\.spec\.x-kubernetes-validations\[0\]\.rule: Invalid value: "self\.a\.noSuchFunction\(\)": compilation failed: ERROR: <input>:1:\d+: found no matching overload for 'dyn\.noSuchFunction\(\)'/);
  loadError(t, obj({ a: str }, rule('self.a ==')), /x-kubernetes-validations\[0\]\.rule: Invalid value: "self\.a ==": compilation failed: ERROR: <input>:1:10: Unexpected token: EOF/);
  loadError(t, obj({ a: int }, rule('self.a + 1')), /compilation failed: cel expression must evaluate to a bool/);
  loadError(t, obj({ a: str }, rule("self.a.matches('[')")), /compilation failed: ERROR: <input>:1:16: invalid regular expression "\["/);
  loadError(t, obj({ a: int }, rule('cel.bind(x, self.a, x > 0)')), /not in the Kubernetes CEL environment/);
  loadError(t, obj({ a: int }, rule('self.a > 0', { messageExpression: 'self.a +' })), /x-kubernetes-validations\[0\]\.messageExpression: Invalid value: "self\.a \+": messageExpression compilation failed: ERROR/);
  loadError(t, obj({ a: int }, rule('self.a > 0', { messageExpression: '1 + 1' })), /messageExpression must evaluate to a string/);
  loadError(t, obj({ a: int }, rule('self.a > 0', { reason: 'Nope' })), /x-kubernetes-validations\[0\]\.reason: Unsupported value: "Nope"/);
  loadError(t, obj({ a: int }, rule('self.a > 0', { fieldPath: '.b' })), /x-kubernetes-validations\[0\]\.fieldPath: Invalid value: "\.b": fieldPath must be a valid path: does not refer to a valid field/);
  loadError(t, obj({ a: int }, rule('self.a > 0', { optionalOldSelf: true })), /optionalOldSelf: Forbidden: may only be set if the rule references oldSelf/);
  loadError(t, obj({ a: int }, rule('self.a > 0', { message: 'two\nlines' })), /message must not contain line breaks/);
  loadError(t, obj({ a: int }, rule('  ')), /rule: Required value: rule is not specified/);
  loadError(t, obj({ l: { type: 'array', 'x-kubernetes-list-type': 'map', items: obj({ k: str }) } }), /x-kubernetes-list-map-keys: must not be empty if x-kubernetes-list-type is map/);
  loadError(t, obj({ l: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['k'], items: obj({ k: str }) } }), /x-kubernetes-list-map-keys\[0\]: must be required or have a default \(k\)/);
});

t.test('rules are checked against the schema when the CRD loads, as the API server types them', async (t) => {
  const rulePath = /spec\.versions\[0\]\.schema\.openAPIV3Schema\.properties\.spec\.x-kubernetes-validations\[0\]\.rule: /;
  loadError(t, obj({ a: int }, rule('self.nosuch > 0')), rulePath);
  loadError(t, obj({ a: int }, rule('self.nosuch > 0')),
    /Invalid value: "self\.nosuch > 0": compilation failed: ERROR: <input>:1:5: undefined field 'nosuch' \(the schema at spec\.versions\.0\.schema\.openAPIV3Schema\.properties\.spec declares a\)/);
  loadError(t, obj({ a: obj({ b: int }) }, rule('self.a.c == 1')), /compilation failed: ERROR: <input>:1:7: undefined field 'c' \(the schema at .*properties\.spec\.properties\.a declares b\)/);
  loadError(t, obj({ s: str }, rule('self.s + 1 == 2')), /compilation failed: ERROR: <input>:1:1: found no matching overload for '_\+_' applied to '\(string, int\)'/);
  loadError(t, obj({ s: str }, rule("self.s.x == ''")), /type 'string' does not support field selection/);
  loadError(t, obj({ l: { type: 'array', items: obj({ k: str }) } }, rule("self.l.all(x, x.nosuch == '')")), /undefined field 'nosuch'/);
  loadError(t, obj({ l: { type: 'array', items: obj({ k: str }) } }, rule("self.l[0].k == 1")), /found no matching overload for '_==_' applied to '\(string, int\)'/);
  loadError(t, obj({ a: int }, rule('self.a > 0', { messageExpression: "'a is ' + self.b" })), /messageExpression compilation failed: ERROR: <input>:1:\d+: undefined field 'b'/);
  loadError(t, obj({ a: int }, rule('self.a == oldSelf.b')), /undefined field 'b'/);
  loadError(t, obj({ a: int }, rule('!oldSelf.hasValue() || oldSelf.value().b == 1', { optionalOldSelf: true })), /undefined field 'b'/);
  // What the schema leaves open stays open: maps, unknown fields, int-or-string, numbers against ints.
  const open = withSpec(obj({
    m: { ...mapOf(obj({ v: int })), ...rule("self.all(k, self[k].v >= 0) && (!('x' in self) || self.x.v > 0)") },
    u: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, ...rule('!has(self.anything) || self.anything.deeper != 1') },
    p: { ...obj({ known: int }), 'x-kubernetes-preserve-unknown-fields': true, ...rule('!has(self.other) || self.known > 0') },
    n: { type: 'number', ...rule('self > 1 && self < 10.5') },
    ios: { 'x-kubernetes-int-or-string': true, ...rule("self == 1 || self == 'one'") },
    'x-y': int,
  }, rule('!has(self.x__dash__y) || self.x__dash__y > 0')));
  t.equal(check(open, widget({ m: { x: { v: 1 } }, u: { anything: { deeper: 2 } }, n: 2, ios: 'one', 'x-y': 1 })), '');
  t.equal(check(open, widget({ m: { x: { v: 0 } } })), 'spec.m: Invalid value: "object": failed rule: self.all(k, self[k].v >= 0) && (!(\'x\' in self) || self.x.v > 0)');
});

t.test('optionalOldSelf: oldSelf.value() reads like self', async (t) => {
  const reg = withSpec(obj({ v: int, w: int }, {
    'x-kubernetes-validations': [
      { rule: '!oldSelf.hasValue() || oldSelf.value().v == self.v', optionalOldSelf: true, message: 'v is fixed' },
      { rule: "!oldSelf.hasValue() || oldSelf.value()['w'] <= self.w", optionalOldSelf: true, message: 'w may only grow' },
    ],
  }));
  t.equal(check(reg, widget({ v: 1, w: 1 })), '', 'CREATE: no old value');
  t.equal(check(reg, widget({ v: 1, w: 2 }), { oldObject: widget({ v: 1, w: 1 }) }), '');
  t.equal(check(reg, widget({ v: 2, w: 0 }), { oldObject: widget({ v: 1, w: 1 }) }),
    'spec: Invalid value: "object": v is fixed; spec: Invalid value: "object": w may only grow');
});
