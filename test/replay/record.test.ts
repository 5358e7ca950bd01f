// --record: the answers become the expectations (in place for cases, comments
// kept; in a sidecar for raw reviews), Secret data never lands in what is
// written, and a recorded fixture replays green.
import t from 'tap';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { runCliInProcess } from '../helpers/cli.ts';
import { recordedText } from '../../src/replay/record.ts';
import { redactPatch } from '../../src/replay/redaction.ts';
import { checkExpectations } from '../../src/replay/expect.ts';
import { EXAMPLE_CONFIG } from './support.ts';

const SECRET_VALUE = 'aHVudGVyMg=='; // base64 of hunter2
const STAMP = Buffer.from('password').toString('base64'); // what stamp-secret writes into data.keys
const secret = `{apiVersion: v1, kind: Secret, metadata: {name: db, namespace: shop}, data: {password: ${SECRET_VALUE}}}`;

const dir = t.testdir({
  'cases.yaml': [
    '# Cases for the recorder: this comment stays.',
    'name: unlimited pod  # so does this one',
    'webhook: require-memory-limits.kadmit.dev',
    'operation: CREATE',
    'object: {apiVersion: v1, kind: Pod, metadata: {name: web}, spec: {containers: [{name: app, image: nginx}]}}',
    'expect:',
    '  message: an old message',
    '---',
    'name: handler error',
    'webhook: /probe/fail',
    'operation: CREATE',
    'object: {apiVersion: v1, kind: ConfigMap, metadata: {name: c, annotations: {probe/throw: boom}}}',
    '---',
    'name: stamped secret',
    'webhook: stamp-secret.replay.kadmit.dev',
    'operation: CREATE',
    `object: ${secret}`,
    'expect: {maxLatency: 5s, allowed: false}',
    '',
  ].join('\n'),
  'case.json': JSON.stringify({ name: 'json case', webhook: '/mutate/add-reviewed-label', operation: 'CREATE', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'j' } } }),
  'raw.json': JSON.stringify({
    uid: 'r-1', kind: { group: '', version: 'v1', kind: 'Secret' }, resource: { group: '', version: 'v1', resource: 'secrets' },
    namespace: 'shop', operation: 'CREATE', userInfo: { username: 'u' },
    object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'raw', namespace: 'shop' }, data: { password: SECRET_VALUE } },
  }),
});
const flags = ['--config', EXAMPLE_CONFIG, '--target', 'stamp-secret.replay.kadmit.dev'];

t.test('before recording, the stale expectations fail', async (t) => {
  const res = await runCliInProcess(['replay', ...flags, dir]);
  t.equal(res.code, 1);
});

t.test('--record writes what was answered', async (t) => {
  const res = await runCliInProcess(['replay', ...flags, '--record', dir]);
  t.equal(res.code, 0, `${res.stdout}\n${res.stderr}`);
  t.match(res.stderr, /recorded the answers of 5 case\(s\) in 3 file\(s\)/);

  const text = readFileSync(join(dir, 'cases.yaml'), 'utf8');
  t.match(text, /^# Cases for the recorder: this comment stays\.$/m);
  t.match(text, /^name: unlimited pod # so does this one$/m);
  const [pod, error, stamped] = parseAllDocuments(text).map((d) => d.toJS());
  t.same(pod.expect, {
    allowed: false, code: 403, message: 'memory limit required: set resources.limits.memory on spec.containers[0] (app)',
    reason: 'Forbidden', warnings: [], auditAnnotations: {},
  });
  t.same(pod.object, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'app', image: 'nginx' }] } }, 'the request is left as written');
  t.same(error.expect.message, { matches: '^webhook "probe-fail\\.test\\.kadmit\\.dev" failed with an internal error \\(error id [0-9a-f]{8}\\)$' }, 'random error ids become a pattern');
  t.same(stamped.expect, {
    allowed: true, warnings: ['data.keys lists the keys of this Secret'], auditAnnotations: {},
    patch: [{ op: 'add', path: '/data/keys', value: '[REDACTED]' }], idempotent: true, maxLatency: '5s',
  }, 'Secret data redacted; the latency budget is kept');

  const json = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8'));
  t.same(json.expect.patch, [{ op: 'add', path: '/metadata/labels', value: { 'kadmit.dev/reviewed': 'true' } }]);
  t.equal(json.expect.idempotent, true);
  t.equal(json.operation, 'CREATE');

  t.same(JSON.parse(readFileSync(join(dir, 'raw.json'), 'utf8')).uid, 'r-1', 'a raw review is not touched');
  const sidecar = readFileSync(join(dir, 'raw.expect.yaml'), 'utf8');
  t.match(sidecar, /^# Expectations for the raw reviews/);
  const [entry] = parseAllDocuments(sidecar).map((d) => d.toJS());
  t.same(entry, { document: 1, webhook: 'stamp-secret.replay.kadmit.dev', expect: {
    allowed: true, warnings: ['data.keys lists the keys of this Secret'], auditAnnotations: {},
    patch: [{ op: 'add', path: '/data/keys', value: '[REDACTED]' }], idempotent: true,
  } });

  t.notMatch(sidecar, SECRET_VALUE);
  for (const file of ['cases.yaml', 'raw.expect.yaml', 'case.json']) t.notMatch(readFileSync(join(dir, file), 'utf8'), STAMP, `${file}: the value written into the Secret is not`);
  t.notOk(existsSync(join(dir, 'case.expect.yaml')), 'cases get no sidecar');
});

t.test('a recorded fixture replays green', async (t) => {
  const res = await runCliInProcess(['replay', ...flags, '--format', 'json', dir]);
  t.equal(res.code, 0, res.stdout);
  t.same(JSON.parse(res.stdout).summary, { total: 5, passed: 5, failed: 0, checks: 33 });
});

t.test('recordedText', async (t) => {
  t.equal(recordedText('plain (text)'), 'plain (text)');
  const m = recordedText('webhook "a.b.c" failed (error id 0123abcd); error id ffffffff');
  t.same(m, { matches: '^webhook "a\\.b\\.c" failed \\(error id [0-9a-f]{8}\\); error id [0-9a-f]{8}$' });
  t.ok(new RegExp((m as { matches: string }).matches, 'u').test('webhook "a.b.c" failed (error id 99999999); error id 00000000'));
});

t.test('a redacted expectation matches any value at that place in a Secret, and nothing else', async (t) => {
  const secretObject = { apiVersion: 'v1', kind: 'Secret', data: { a: 'eA==' } };
  const want = [{ op: 'add' as const, path: '/data/keys', value: '[REDACTED]' }];
  const observed = (patch: unknown[], object: unknown = secretObject) => checkExpectations({ patch: want }, { httpStatus: 200, patch }, 1, object);
  t.same(observed([{ op: 'add', path: '/data/keys', value: 'YQ==' }]), [], 'any value at /data/keys');
  t.match(observed([{ op: 'add', path: '/data/other', value: 'YQ==' }]), [{ check: 'patch', message: /at \/0\/path: expected "\/data\/keys", got "\/data\/other"/ }], 'but at that path');
  t.match(observed([]), [{ check: 'patch', message: 'expected 1 operation(s), got no patch' }], 'and there must be a value');
  const configMap = { ...secretObject, kind: 'ConfigMap' };
  t.match(observed([{ op: 'add', path: '/data/keys', value: 'YQ==' }], configMap), [{ check: 'patch' }], 'only in Secrets');
  const redacted = redactPatch([{ op: 'add', path: '/data', value: { a: 'x', b: 'y' } }, { op: 'replace', path: '/stringData/t', value: 'z' }, { op: 'add', path: '/metadata/labels', value: { l: 'v' } }], true);
  t.same(redacted, [{ op: 'add', path: '/data', value: { a: '[REDACTED]', b: '[REDACTED]' } }, { op: 'replace', path: '/stringData/t', value: '[REDACTED]' }, { op: 'add', path: '/metadata/labels', value: { l: 'v' } }]);
});
