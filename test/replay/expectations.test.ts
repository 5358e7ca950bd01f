// Every expectation type, made to fail: the failure names the expectation and
// shows what was expected and what came back.
import t from 'tap';
import { join } from 'node:path';
import { replay } from './support.ts';
import type { Failure } from '../../src/replay/types.ts';

const pod = (containers: string) => `
  apiVersion: v1
  kind: Pod
  metadata: {name: web, namespace: shop}
  spec: {containers: ${containers}}`;
const noLimit = pod('[{name: app, image: nginx}]');
const withLimit = pod('[{name: app, image: nginx, resources: {limits: {memory: 1Gi}}}]');
const probeObject = (annotations: string) => `
  apiVersion: v1
  kind: ConfigMap
  metadata: {name: c, namespace: shop, annotations: ${annotations}}`;

// One document per case; each fails exactly one expectation.
const CASES: Record<string, string> = {
  allowed: `webhook: require-memory-limits.kadmit.dev\noperation: CREATE\nobject:${noLimit}\nexpect: {allowed: true}`,
  code: `webhook: require-memory-limits.kadmit.dev\noperation: CREATE\nobject:${noLimit}\nexpect: {allowed: false, code: 422}`,
  messageExact: `webhook: require-memory-limits.kadmit.dev\noperation: CREATE\nobject:${noLimit}\nexpect: {message: "memory limit missing"}`,
  messageRegex: `webhook: require-memory-limits.kadmit.dev\noperation: CREATE\nobject:${noLimit}\nexpect: {message: {matches: "^nope"}}`,
  reason: `webhook: require-memory-limits.kadmit.dev\noperation: CREATE\nobject:${noLimit}\nexpect: {reason: Invalid}`,
  warnings: `webhook: /probe/fail\noperation: CREATE\nobject:${probeObject(`{probe/warnings: '["uses :latest"]'}`)}\nexpect: {warnings: ["uses a mutable tag"]}`,
  auditAnnotations: `webhook: /probe/ignore\noperation: CREATE\nobject:${probeObject(`{probe/annotations: '{"policy": "v2"}'}`)}\nexpect: {auditAnnotations: {policy: v1, ticket: {matches: "^T-"}}}`,
  patchValue: `webhook: add-reviewed-label.kadmit.dev\noperation: CREATE\nobject:${withLimit}\nexpect:\n  patch: [{op: add, path: /metadata/labels, value: {kadmit.dev/reviewed: "yes"}}]`,
  patchNone: `webhook: add-reviewed-label.kadmit.dev\noperation: CREATE\nobject:${withLimit}\nexpect: {patch: []}`,
  patchMissing: `webhook: add-reviewed-label.kadmit.dev\noperation: CREATE\nobject:${pod('[]').replace('{name: web, namespace: shop}', '{name: web, namespace: shop, labels: {kadmit.dev/reviewed: "true"}}')}\nexpect:\n  patch: [{op: add, path: /metadata/labels/x, value: "1"}]`,
  object: `webhook: add-reviewed-label.kadmit.dev\noperation: CREATE\nobject:${withLimit}\nexpect:\n  object:${withLimit.replace('namespace: shop}', 'namespace: shop, labels: {kadmit.dev/reviewed: "false"}}').replaceAll('\n', '\n  ')}`,
  idempotent: `webhook: counter.replay.kadmit.dev\noperation: CREATE\nobject:${withLimit}\nexpect: {idempotent: true}`,
  maxLatency: `webhook: slow.replay.kadmit.dev\noperation: CREATE\nobject:${probeObject(`{replay/sleep-ms: "60"}`)}\nexpect: {allowed: true, maxLatency: 1ms}`,
};

const dir = t.testdir(Object.fromEntries(Object.entries(CASES).map(([name, text]) => [`${name}.yaml`, `name: ${name}\n${text}\n`])));
const { loaded, results } = await replay([dir]);
t.same(loaded.problems, [], 'all fixtures load');
const byName = new Map(results.map((r) => [r.case.name, r]));

function only(name: string): Failure {
  const r = byName.get(name);
  if (!r) throw new Error(`no result for ${name}`);
  t.equal(r.passed, false, `${name}: fails`);
  t.equal(r.failures.length, 1, `${name}: exactly one failure: ${JSON.stringify(r.failures)}`);
  return r.failures[0]!;
}

t.test('allowed', async (t) => {
  const f = only('allowed');
  t.equal(f.check, 'allowed');
  t.match(f.message, /expected allowed, got denied \("memory limit required/);
  t.same([f.expected, f.actual], [true, false]);
});

t.test('code', async (t) => {
  const f = only('code');
  t.equal(f.check, 'code');
  t.equal(f.message, 'expected status code 422, got 403');
});

t.test('message, exact and by regular expression', async (t) => {
  const exact = only('messageExact');
  t.equal(exact.check, 'message');
  t.match(exact.message, /^expected "memory limit missing", got "memory limit required: set resources\.limits\.memory on spec\.containers\[0\] \(app\)"$/);
  const regex = only('messageRegex');
  t.match(regex.message, /^expected a match for \/\^nope\/, got "memory limit required/);
  t.same(regex.expected, { matches: '^nope' });
});

t.test('reason', async (t) => {
  const f = only('reason');
  t.equal(f.message, 'expected "Invalid", got "Forbidden"');
});

t.test('warnings', async (t) => {
  const f = only('warnings');
  t.equal(f.check, 'warnings');
  t.equal(f.message, 'expected 1 warning(s) ["uses a mutable tag"], got 1 ["uses :latest"]');
  t.same(f.actual, ['uses :latest']);
});

t.test('auditAnnotations', async (t) => {
  const f = only('auditAnnotations');
  t.equal(f.check, 'auditAnnotations');
  t.match(f.message, /ticket missing/);
  t.match(f.message, /operation not expected/, 'extra keys are named (the probe also reports what it saw)');
  t.match(f.message, /policy: expected "v1", got "v2"/);
});

t.test('patch: a different value, none expected, none given', async (t) => {
  const value = only('patchValue');
  t.equal(value.check, 'patch');
  t.equal(value.message, 'at /0/value/kadmit.dev~1reviewed: expected "yes", got "true"');
  const none = only('patchNone');
  t.equal(none.message, 'expected no patch, got [{"op":"add","path":"/metadata/labels","value":{"kadmit.dev/reviewed":"true"}}]');
  const missing = only('patchMissing');
  t.equal(missing.message, 'expected 1 operation(s), got no patch');
});

t.test('object after the patch', async (t) => {
  const f = only('object');
  t.equal(f.check, 'object');
  t.equal(f.message, 'the patched object differs at /metadata/labels/kadmit.dev~1reviewed: expected "false", got "true"');
});

t.test('idempotent', async (t) => {
  const f = only('idempotent');
  t.equal(f.check, 'idempotent');
  t.equal(f.message, 'reviewing the patched object again returned a patch: [{"op":"replace","path":"/metadata/annotations/replay~1count","value":"2"}]');
});

t.test('maxLatency', async (t) => {
  const f = only('maxLatency');
  t.equal(f.check, 'maxLatency');
  t.match(f.message, /^took \d+\.\d ms, over the budget of 1 ms$/);
  t.ok((f.actual as number) >= 50, 'the handler slept 60 ms');
});

t.test('the same expectations pass when they are right', async (t) => {
  const fixed = t.testdir({
    'ok.yaml': [
      `webhook: require-memory-limits.kadmit.dev\noperation: CREATE\nobject:${noLimit}\nexpect: {allowed: false, code: 403, reason: Forbidden, message: {matches: "\\\\(app\\\\)$"}}`,
      `webhook: /probe/fail\noperation: CREATE\nobject:${probeObject(`{probe/warnings: '["uses :latest"]'}`)}\nexpect: {warnings: [{matches: latest}]}`,
      `webhook: counter.replay.kadmit.dev\noperation: CREATE\nobject:${withLimit}\nexpect:\n  patch: [{op: add, path: /metadata/annotations, value: {replay/count: "1"}}]`,
    ].join('\n---\n'),
  });
  const { loaded, results } = await replay([join(fixed, 'ok.yaml')]);
  t.same(loaded.problems, []);
  t.same(results.map((r) => r.failures), [[], [], []]);
});
