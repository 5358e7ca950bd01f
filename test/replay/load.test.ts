// Reading fixtures: every form becomes the review the apiserver would send,
// and every malformed fixture is reported with file, document, line and field.
import t from 'tap';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readdirSync } from 'node:fs';
import { discoverFixtures, loadFixtures } from '../../src/replay/fixtures.ts';
import { formatProblem } from '../../src/replay/problems.ts';
import { decodeReview } from '../../src/admission/envelope.ts';
import { inProcessTarget } from './support.ts';

const target = await inProcessTarget();
t.teardown(() => target.sender.close());
const load = (paths: string[], cwd?: string, defaultWebhook?: string) =>
  loadFixtures(paths, { webhooks: target.webhooks, timeoutFor: target.timeoutFor, ...(cwd && { cwd }), ...(defaultWebhook && { defaultWebhook }) });

t.test('problems name the file, the document, the line and the field', async (t) => {
  const dir = t.testdir({
    'bad.yaml': [
      'webhook: require-memory-limits.kadmit.dev\noperation: CREATE\nobject: {apiVersion: v1, kind: Pod}\nexpect:\n  allowed: maybe\n  patch:\n    - {op: add, path: nope}',
      'webhook: nobody.kadmit.dev\noperation: CREATE\nobject: {apiVersion: v1, kind: Pod}',
      'operation: UPDATE\nwebhook: /probe/fail\nobject: {apiVersion: v1, kind: Pod}',
      'webhook: /probe/fail\nreview: {apiVersion: admission.k8s.io/v1, kind: AdmissionReview, request: {uid: x, operation: PATCH}}',
      '[1, 2]',
      'webhook: /probe/fail\noperation: CREATE\nobject: {kind: Pod}\nsurprise: 1',
      'webhook: /probe/fail\nexpect: {message: {matches: "("}, idempotent: false, maxLatency: soon}',
      'webhook: /probe/fail\noperation: DELETE\nobject: {apiVersion: v1, kind: Pod}\noldObject: {apiVersion: v1, kind: Pod}',
      'webhook: require-memory-limits.kadmit.dev\noperation: CREATE\nobject: {apiVersion: v1, kind: Pod}\nexpect: {idempotent: true}',
      'webhook: /probe/fail\nreview: {kind: AdmissionReview}\nnamespace: x',
    ].join('\n---\n'),
    'broken.yaml': 'a: [1,\nb: 2\n',
    'broken.json': '{"uid": ',
  });
  const { problems, cases } = load([dir], dir);
  t.equal(cases.length, 0);
  const lines = problems.map(formatProblem);
  t.same(lines, [
    'bad.yaml, document 1, line 5: expect.allowed: Invalid input: expected boolean, received string',
    'bad.yaml, document 1, line 7: expect.patch[0].path: expected a JSON pointer ("" or starting with "/")',
    'bad.yaml, document 1, line 7: expect.patch[0].value: required',
    `bad.yaml, document 2, line 9: webhook: no configured webhook has the name "nobody.kadmit.dev" (configured: ${target.webhooks.webhooks.map((w) => w.name).join(', ')})`,
    'bad.yaml, document 3, line 13: oldObject: required for UPDATE (the object as stored)',
    'bad.yaml, document 4, line 18: review.request.kind: Invalid input: expected object, received undefined',
    'bad.yaml, document 4, line 18: review.request.resource: Invalid input: expected object, received undefined',
    'bad.yaml, document 4, line 18: review.request.operation: Invalid option: expected one of "CREATE"|"UPDATE"|"DELETE"|"CONNECT"',
    'bad.yaml, document 5, line 20: expected a mapping: an AdmissionReview, an AdmissionRequest, or a case (see docs/replay.md)',
    'bad.yaml, document 6, line 25: surprise: unknown field (see docs/replay.md)',
    'bad.yaml, document 6, line 24: object.apiVersion: required: the request kind and resource are derived from it',
    'bad.yaml, document 7, line 28: expect.message.matches: expected a valid regular expression',
    'bad.yaml, document 7, line 28: expect.idempotent: expected true (leave it out to skip the check)',
    'bad.yaml, document 7, line 28: expect.maxLatency: expected a positive duration such as "50ms" or "1.5s"',
    'bad.yaml, document 8, line 32: object: must be left out for DELETE (the apiserver sends null)',
    'bad.yaml, document 9, line 38: expect.idempotent: applies to mutating webhooks; require-memory-limits.kadmit.dev is validating',
    'bad.yaml, document 10, line 42: namespace: belongs to the shorthand form; with review: put it inside the review',
    'broken.json, document 1: not valid JSON: Unexpected end of JSON input',
    'broken.yaml, document 1, line 2: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1:',
  ]);
});

t.test('a fixture that names no webhook: the only one, --target, or a problem', async (t) => {
  const dir = t.testdir({ 'pod.yaml': 'operation: CREATE\nobject: {apiVersion: v1, kind: Pod, metadata: {name: p}}\n' });
  const { problems } = load([dir], dir);
  t.equal(problems.length, 1);
  t.match(formatProblem(problems[0]!), /^pod\.yaml, document 1, line 1: names no webhook, and 9 are configured \(require-memory-limits\.kadmit\.dev, .*\): name one with webhook: \(name or path\) or --target$/);
  const targeted = load([dir], dir, '/validate/require-memory-limits');
  t.same(targeted.problems, []);
  t.equal(targeted.cases[0]!.webhook.name, 'require-memory-limits.kadmit.dev');
  const single = await inProcessTarget(['builtin:require-memory-limits']);
  t.teardown(() => single.sender.close());
  const alone = loadFixtures([dir], { webhooks: single.webhooks, timeoutFor: single.timeoutFor, cwd: dir });
  t.same(alone.problems, []);
  t.equal(alone.cases[0]!.timeout, '5s', "?timeout= defaults to the webhook's timeoutSeconds");
});

t.test('shorthand requests are completed the way the apiserver fills them', async (t) => {
  const dir = t.testdir({
    'forms.yaml': [
      'webhook: /probe/fail\noperation: CREATE\nobject: {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {generateName: np-}}',
      'webhook: /probe/fail\noperation: UPDATE\ndryRun: true\nnamespace: team\nobject: {apiVersion: apps/v1, kind: Deployment, metadata: {name: d}}\noldObject: {apiVersion: apps/v1, kind: Deployment, metadata: {name: d, namespace: team}}\nuserInfo: {username: bob, groups: [devs]}',
      'webhook: /probe/fail\noperation: DELETE\noldObject: {apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: admin}}',
      'webhook: /probe/fail\noperation: CREATE\nobject: {apiVersion: example.com/v1, kind: Widget, metadata: {name: w}}',
      'webhook: /probe/fail\noperation: CONNECT\nresourceName: web-0\nobject: {apiVersion: v1, kind: PodAttachOptions}',
      'webhook: /probe/fail\noperation: CREATE\nresource: endpoints\nsubResource: status\nobject: {apiVersion: v1, kind: Endpoints, metadata: {name: e, namespace: x}}',
    ].join('\n---\n'),
  });
  const { cases, problems } = load([dir], dir);
  t.same(problems, []);
  const [create, update, del, custom, connect, sub] = cases.map((c) => c.review.request) as Record<string, any>[];
  for (const c of cases) t.doesNotThrow(() => decodeReview(c.review), `${c.id} decodes`);
  t.match(create!.uid, /^[0-9a-f-]{36}$/, 'a fresh uid');
  t.not(create!.uid, load([dir], dir).cases[0]!.review.request.uid, 'fresh on every load');
  t.same(create!.kind, { group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy' });
  t.same(create!.resource, { group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies' });
  t.same(create!.requestKind, create!.kind);
  t.same(create!.requestResource, create!.resource);
  t.notOk('name' in create!, 'no name on a generateName create');
  t.equal(create!.namespace, 'default', 'namespaced built-in kinds default to "default"');
  t.equal(create!.object.metadata.namespace, 'default', 'and the object carries it, as the apiserver sets it before admission');
  t.same(create!.userInfo, { username: 'kadmit-replay', groups: ['system:authenticated'] });
  t.same(create!.options, { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' });
  t.equal(create!.oldObject, null);
  t.equal(create!.dryRun, false);

  t.equal(update!.namespace, 'team');
  t.equal(update!.name, 'd');
  t.equal(update!.dryRun, true);
  t.same(update!.options, { apiVersion: 'meta.k8s.io/v1', kind: 'UpdateOptions', dryRun: ['All'] });
  t.same(update!.userInfo, { username: 'bob', groups: ['devs'] });
  t.equal(update!.resource.resource, 'deployments');

  t.equal(del!.object, null);
  t.equal(del!.name, 'admin');
  t.notOk('namespace' in del!, 'cluster-scoped: no namespace');
  t.notOk('namespace' in del!.oldObject.metadata);
  t.equal(del!.resource.resource, 'clusterroles');
  t.same(del!.options, { apiVersion: 'meta.k8s.io/v1', kind: 'DeleteOptions' });

  t.equal(custom!.resource.resource, 'widgets', 'unknown kinds are pluralised');
  t.notOk('namespace' in custom!, 'a custom kind has a namespace only if the fixture gives one');

  t.same(connect!.kind, { group: '', version: 'v1', kind: 'PodAttachOptions' });
  t.same(connect!.resource, { group: '', version: 'v1', resource: 'pods' });
  t.equal(connect!.subResource, 'attach');
  t.equal(connect!.requestSubResource, 'attach');
  t.equal(connect!.name, 'web-0');
  t.equal(connect!.options, null);
  t.equal(connect!.oldObject, null);

  t.equal(sub!.resource.resource, 'endpoints');
  t.equal(sub!.subResource, 'status');
  t.equal(cases[0]!.name, 'CREATE networking.k8s.io/v1/NetworkPolicy default', 'a case without a name is named after its request');
});

t.test('discovery: recursive, sorted, skipping sidecars, configuration and hidden entries', async (t) => {
  const dir = t.testdir({
    'b.yaml': '', 'a.json': '{}', 'a.expect.yaml': '', 'kadmit.yaml': '', 'notes.md': '',
    sub: { 'c.yml': '' }, '.hidden': { 'd.yaml': '' }, node_modules: { 'e.yaml': '' },
  });
  t.same(discoverFixtures([dir]).map((f) => f.slice(dir.length + 1)), ['a.json', 'b.yaml', 'sub/c.yml']);
  t.same(discoverFixtures([join(dir, 'a.expect.yaml'), join(dir, 'b.yaml')]).map((f) => f.slice(dir.length + 1)), ['b.yaml'], 'a glob that names a sidecar reads it through its fixture');
  t.throws(() => discoverFixtures([join(dir, 'nope')]), { code: 'KADMIT_USAGE', message: /nope does not exist/ });
  t.throws(() => discoverFixtures([join(dir, 'notes.md')]), { message: /is not \.json, \.yaml or \.yml/ });
  t.match(load([join(dir, 'sub')], dir).problems, [], 'an empty YAML file has no documents');
  const empty = t.testdir({});
  t.match(load([empty], empty).problems.map(formatProblem), [/no fixture files/]);
});

t.test('sidecars: expectations for raw reviews, checked like cases', async (t) => {
  const request = { uid: 'u1', kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, operation: 'DELETE', userInfo: {}, oldObject: { kind: 'Pod' } };
  const dir = t.testdir({
    'raw.yaml': `${JSON.stringify(request)}\n---\nwebhook: /probe/fail\noperation: DELETE\noldObject: {apiVersion: v1, kind: Pod}\n`,
    'raw.expect.yaml': 'document: 1\nwebhook: /probe/ignore\nname: raw delete\ntimeout: 3s\nexpect: {allowed: true}\n---\ndocument: 2\nexpect: {}\n---\ndocument: 7\nexpect: {}\n---\ndocument: 1\nexpect: {}\n---\nexpect: {allowed: 1}\n',
  });
  const { cases, problems } = load([dir], dir);
  t.equal(cases.length, 2);
  t.equal(cases[0]!.webhook.name, 'probe-ignore.test.kadmit.dev');
  t.equal(cases[0]!.name, 'raw delete');
  t.equal(cases[0]!.timeout, '3s');
  t.same(cases[0]!.expect, { allowed: true });
  t.equal(cases[0]!.expectFile, 'raw.expect.yaml');
  t.equal(cases[1]!.expectFile, 'raw.yaml');
  const lines = problems.map(formatProblem);
  t.match(lines, [
    /^raw\.expect\.yaml, document 4, line 13: document: document 1 already has expectations/,
    /^raw\.expect\.yaml, document 5, line 16: document: Invalid input: expected number/,
    /^raw\.expect\.yaml, document 5, line 16: expect\.allowed: Invalid input: expected boolean/,
    /^raw\.expect\.yaml: document: document 2 of raw\.yaml is a case: put expect: in it$/,
    /^raw\.expect\.yaml: document: raw\.yaml has no raw review as document 7$/,
  ]);
});

t.test('the real reviews of other projects load as raw fixtures; the four no apiserver could send are named', async (t) => {
  const real = fileURLToPath(new URL('../fixtures/real/', import.meta.url));
  const { cases, problems } = load([real], real, 'probe-fail.test.kadmit.dev');
  const files = readdirSync(real).filter((f) => f.endsWith('.json'));
  t.equal(cases.length + 4, files.length);
  t.same(problems.map(formatProblem).sort(), [
    'custodian-connect_pod_exec_options.json, document 1, line 1: request.oldObject: expected an object or null',
    'custodian-connect_pod_exec_options.json, document 1, line 1: request.options: expected an object or null',
    'custodian-create_policyreport.json, document 1, line 1: request.oldObject: expected an object or null',
    'custodian-delete_pod.json, document 1, line 1: request.object: expected an object or null',
    'k8sapi-admission.k8s.io.v1.AdmissionReview.json, document 1, line 1: request.operation: Invalid option: expected one of "CREATE"|"UPDATE"|"DELETE"|"CONNECT"',
  ]);
  const bare = cases.find((c) => c.file === 'kubewarden-echo-delete_accept.json')!;
  t.equal(bare.review.apiVersion, 'admission.k8s.io/v1', 'a bare request is wrapped in a v1 review');
  const hybrid = cases.find((c) => c.file === 'pepr-admission-update-servicemonitor.json')!;
  t.equal(hybrid.review.request.operation, 'UPDATE', '{uid, request} wrappers are unwrapped');
  const beta = cases.find((c) => c.file === 'connaisseur-01_deployment.json')!;
  t.equal(beta.review.apiVersion, 'admission.k8s.io/v1beta1', 'full reviews are sent as written');
});
