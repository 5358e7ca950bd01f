// Replay sends a fixture only when the apiserver would call the webhook for it:
// for each of rules, namespaceSelector, objectSelector and matchConditions, a
// fixture skipped with its reason and one sent; the reasons, the fixture
// problems namespaceLabels can have, expect.sent, and how each report shows a skip.
import t from 'tap';
import type { Test } from 'tap';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareTarget, type Target } from '../../src/replay/setup.ts';
import { loadFixtures } from '../../src/replay/fixtures.ts';
import { runCases } from '../../src/replay/run.ts';
import { renderReport } from '../../src/replay/report.ts';
import { formatProblem } from '../../src/replay/problems.ts';
import { unmetRequirement } from '../../src/replay/label-selector.ts';
import type { CaseResult } from '../../src/replay/types.ts';

const MODULE = fileURLToPath(new URL('../fixtures/webhooks/matching.ts', import.meta.url));

async function target(extra: Record<string, string> = {}): Promise<Target> {
  return prepareTarget({ webhook: [MODULE], workers: '0', ...extra }, {});
}
const plain = await target();
t.teardown(() => plain.sender.close());

/** Replays the fixtures under `dir` and returns the results by case name. */
async function replayDir(t: Test, dir: string, on: Target = plain): Promise<Map<string, CaseResult>> {
  const loaded = loadFixtures([dir], { webhooks: on.webhooks, timeoutFor: on.timeoutFor, cwd: dir });
  t.same(loaded.problems.map(formatProblem), [], 'the fixtures load');
  const results = await runCases(loaded.cases, on.sender);
  return new Map(results.map((r) => [r.case.name, r]));
}

/** Replays YAML documents (one case each). */
async function replay(t: Test, docs: string[], on: Target = plain): Promise<Map<string, CaseResult>> {
  return replayDir(t, t.testdir({ 'cases.yaml': docs.join('\n---\n') }), on);
}

const pod = (name: string, labels: Record<string, string> = {}, namespace = 'shop') =>
  `{apiVersion: v1, kind: Pod, metadata: {name: ${name}, namespace: ${namespace}, labels: ${JSON.stringify(labels)}}, spec: {containers: [{name: c, image: "nginx:1.27"}]}}`;
const deployment = '{apiVersion: apps/v1, kind: Deployment, metadata: {name: web, namespace: shop}, spec: {selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: "nginx:1.27"}]}}}}';

function sent(t: Test, r: CaseResult | undefined, name: string) {
  t.ok(r, name);
  t.equal(r?.sent, true, `${name}: sent`);
  t.equal(r?.skipped, undefined, `${name}: not skipped`);
  t.equal(r?.passed, true, `${name}: passed ${JSON.stringify(r?.failures)}`);
}

function skipped(t: Test, r: CaseResult | undefined, by: string, reason: RegExp) {
  t.equal(r?.sent, false, 'not sent');
  t.equal(r?.passed, false, 'neither passed...');
  t.same(r?.failures, [], '...nor failed');
  t.equal(r?.skipped?.by, by);
  t.match(r?.skipped?.reason, reason);
}

t.test('rules: operation, group, version, resource and subresource, scope', async (t) => {
  const results = await replay(t, [
    `name: deployment create\nwebhook: rules.match.kadmit.dev\noperation: CREATE\nobject: ${deployment}`,
    `name: scale subresource\nwebhook: rules.match.kadmit.dev\noperation: UPDATE\nsubResource: scale\nobject: ${deployment}\noldObject: ${deployment}`,
    `name: deployment delete\nwebhook: rules.match.kadmit.dev\noperation: DELETE\noldObject: ${deployment}`,
    'name: namespaced configmap\nwebhook: rules.match.kadmit.dev\noperation: CREATE\nobject: {apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: shop}}',
    'name: a namespace is cluster-scoped\nwebhook: rules.match.kadmit.dev\noperation: CREATE\nobject: {apiVersion: v1, kind: Namespace, metadata: {name: shop}}',
    'name: node status\nwebhook: rules.match.kadmit.dev\noperation: UPDATE\nsubResource: status\nobject: {apiVersion: v1, kind: Node, metadata: {name: n1}}\noldObject: {apiVersion: v1, kind: Node, metadata: {name: n1}}',
  ]);
  sent(t, results.get('deployment create'), 'deployments/* matches the resource itself');
  sent(t, results.get('scale subresource'), 'deployments/* matches deployments/scale');
  skipped(t, results.get('deployment delete'), 'rules', /^rules: DELETE apps\/v1 deployments \(namespaced\) matches none of CREATE,UPDATE apps\/v1 deployments\/\* \(Namespaced\); \* core\/v1 \* \(Cluster\)$/);
  skipped(t, results.get('namespaced configmap'), 'rules', /^rules: CREATE core\/v1 configmaps \(namespaced\) matches none of/);
  sent(t, results.get('a namespace is cluster-scoped'), 'a Namespace matches scope Cluster');
  skipped(t, results.get('node status'), 'rules', /^rules: UPDATE core\/v1 nodes\/status \(cluster-scoped\) matches none of/);
});

t.test('namespaceSelector: the rendered one (kadmit, kube-system and the skipped namespaces left out)', async (t) => {
  const results = await replay(t, [
    `name: in shop\nwebhook: selectors.match.kadmit.dev\noperation: CREATE\nobject: ${pod('web', { tier: 'web' })}`,
    `name: in legacy\nwebhook: selectors.match.kadmit.dev\noperation: CREATE\nobject: ${pod('web', { tier: 'web' }, 'legacy')}`,
    `name: in kube-system\nwebhook: selectors.match.kadmit.dev\noperation: CREATE\nobject: ${pod('web', { tier: 'web' }, 'kube-system')}`,
    `name: labels given\nwebhook: selectors.match.kadmit.dev\nnamespaceLabels: {team: a}\noperation: CREATE\nobject: ${pod('web', { tier: 'web' }, 'legacy')}`,
    'name: the namespace kube-system itself\nwebhook: rules.match.kadmit.dev\noperation: CREATE\nobject: {apiVersion: v1, kind: Namespace, metadata: {name: kube-system}}',
  ]);
  sent(t, results.get('in shop'), 'a namespace the selector does not leave out');
  skipped(t, results.get('in legacy'), 'namespaceSelector',
    /^namespaceSelector: needs kubernetes\.io\/metadata\.name NotIn \(kadmit, kube-system, legacy\); namespace "legacy" has \{kubernetes\.io\/metadata\.name=legacy\} \(labels from none given: namespaceLabels or --namespaces\)$/);
  skipped(t, results.get('in kube-system'), 'namespaceSelector', /namespace "kube-system"/);
  skipped(t, results.get('labels given'), 'namespaceSelector', /namespace "legacy" has \{team=a, kubernetes\.io\/metadata\.name=legacy\} \(labels from namespaceLabels\)$/);
  skipped(t, results.get('the namespace kube-system itself'), 'namespaceSelector', /namespace "kube-system" has \{kubernetes\.io\/metadata\.name=kube-system\} \(labels from the Namespace's own labels\)/);
});

t.test('namespaceSelector: labels from a --namespaces file; namespaceLabels where no selector can apply is a fixture problem', async (t) => {
  const dir = t.testdir({
    'namespaces.yaml': 'apiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: Namespace, metadata: {name: legacy, labels: {env: prod}}}\n',
    cases: { 'cases.yaml': `name: in legacy\nwebhook: selectors.match.kadmit.dev\noperation: CREATE\nobject: ${pod('web', { tier: 'web' }, 'legacy')}` },
    'bad.yaml': 'kind: ConfigMap\n',
    'problems.yaml': [
      'webhook: rules.match.kadmit.dev\nnamespaceLabels: {a: b}\noperation: CREATE\nobject: {apiVersion: v1, kind: Namespace, metadata: {name: x}}',
      'webhook: rules.match.kadmit.dev\nnamespaceLabels: {a: b}\noperation: DELETE\noldObject: {apiVersion: v1, kind: Node, metadata: {name: n1}}',
      `webhook: selectors.match.kadmit.dev\nnamespaceLabels: {"bad key!": b}\noperation: CREATE\nobject: ${pod('web')}`,
    ].join('\n---\n'),
  });
  const withFile = await target({ namespaces: join(dir, 'namespaces.yaml') });
  t.teardown(() => withFile.sender.close());
  const results = await replayDir(t, join(dir, 'cases'), withFile);
  skipped(t, results.get('in legacy'), 'namespaceSelector', /namespace "legacy" has \{env=prod, kubernetes\.io\/metadata\.name=legacy\} \(labels from the --namespaces file\)$/);

  await t.rejects(target({ namespaces: join(dir, 'bad.yaml') }), { code: 'KADMIT_USAGE', message: /--namespaces: .*bad\.yaml, document 1: expected a Namespace with metadata\.name/ });
  const loaded = loadFixtures([join(dir, 'problems.yaml')], { webhooks: plain.webhooks, timeoutFor: plain.timeoutFor, cwd: dir });
  t.same(loaded.problems.map(formatProblem), [
    "problems.yaml, document 1, line 2: namespaceLabels: a Namespace's CREATE is matched on the labels it is written with: put them in the object",
    'problems.yaml, document 2, line 7: namespaceLabels: the request is cluster-scoped: no namespaceSelector applies to it',
    'problems.yaml, document 3, line 12: namespaceLabels["bad key!"]: expected a label key such as "team" or "example.com/team"',
  ]);
});

t.test('label selectors as the apiserver reads them', async (t) => {
  const labels = { tier: 'web', env: 'prod' };
  t.equal(unmetRequirement({}, {}), undefined, 'an empty selector matches everything');
  t.equal(unmetRequirement({ matchLabels: { tier: 'web' } }, labels), undefined);
  t.equal(unmetRequirement({ matchLabels: { tier: 'db' } }, labels), 'tier=db');
  t.equal(unmetRequirement({ matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'staging'] }] }, labels), undefined);
  t.equal(unmetRequirement({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, labels), 'zone In (a)', 'In needs the key');
  t.equal(unmetRequirement({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, labels), undefined, 'NotIn holds without the key');
  t.equal(unmetRequirement({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, labels), 'env NotIn (prod)');
  t.equal(unmetRequirement({ matchExpressions: [{ key: 'env', operator: 'Exists' }] }, labels), undefined);
  t.equal(unmetRequirement({ matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, labels), 'env DoesNotExist');
});

t.test('objectSelector: the object or the old object, with the opt-out label ANDed', async (t) => {
  const results = await replay(t, [
    `name: tier web\nwebhook: selectors.match.kadmit.dev\noperation: CREATE\nobject: ${pod('web', { tier: 'web' })}`,
    `name: no tier\nwebhook: selectors.match.kadmit.dev\noperation: CREATE\nobject: ${pod('web')}`,
    `name: old object matches\nwebhook: selectors.match.kadmit.dev\noperation: UPDATE\nobject: ${pod('web')}\noldObject: ${pod('web', { tier: 'web' })}`,
    `name: opted out\nwebhook: selectors.match.kadmit.dev\noperation: CREATE\nobject: ${pod('web', { tier: 'web', 'match.kadmit.dev/skip': 'yes' })}`,
    'name: exec options carry no labels\nwebhook: selectors.match.kadmit.dev\noperation: CONNECT\nnamespace: shop\nresourceName: web\nobject: {apiVersion: v1, kind: PodExecOptions, command: [sh]}',
  ]);
  sent(t, results.get('tier web'), 'the object matches');
  skipped(t, results.get('no tier'), 'objectSelector', /^objectSelector: needs tier=web; the object has no labels$/);
  sent(t, results.get('old object matches'), 'the old object matching is enough');
  skipped(t, results.get('opted out'), 'objectSelector', /^objectSelector: needs match\.kadmit\.dev\/skip DoesNotExist; the object has \{tier=web, match\.kadmit\.dev\/skip=yes\}$/);
  skipped(t, results.get('exec options carry no labels'), 'objectSelector', /^objectSelector: the object has no metadata$/);
});

t.test('matchConditions: false skips, an error rejects under Fail and skips under Ignore, authorizer is named', async (t) => {
  const configMap = (team: string) => `{apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: shop, labels: {team: ${team}}}}`;
  const secret = '{apiVersion: v1, kind: Secret, metadata: {name: s, namespace: shop}, data: {}}';
  const service = (name: string) => `{apiVersion: v1, kind: Service, metadata: {name: ${name}, namespace: shop}, spec: {ports: [{port: 80}]}}`;
  const results = await replay(t, [
    `name: team a\nwebhook: conditions.match.kadmit.dev\noperation: CREATE\nobject: ${configMap('a')}`,
    `name: team b\nwebhook: conditions.match.kadmit.dev\noperation: CREATE\nobject: ${configMap('b')}`,
    `name: a node\nwebhook: conditions.match.kadmit.dev\noperation: CREATE\nuserInfo: {username: "system:node:n1"}\nobject: ${configMap('a')}`,
    `name: error under Fail\nwebhook: errors-fail.match.kadmit.dev\noperation: CREATE\nobject: ${secret}`,
    `name: error under Ignore\nwebhook: errors-ignore.match.kadmit.dev\noperation: CREATE\nobject: ${secret}`,
    `name: needs the authorizer\nwebhook: authorizer.match.kadmit.dev\noperation: CREATE\nobject: ${service('web')}`,
    `name: false without the authorizer\nwebhook: authorizer.match.kadmit.dev\noperation: CREATE\nobject: ${service('kube-dns')}`,
  ]);
  sent(t, results.get('team a'), 'every condition true');
  skipped(t, results.get('team b'), 'matchConditions', /^matchConditions: "team-a" is false$/);
  skipped(t, results.get('a node'), 'matchConditions', /^matchConditions: "not-a-node" is false$/);

  const rejected = results.get('error under Fail')!;
  t.equal(rejected.sent, false);
  t.equal(rejected.passed, false, 'the apiserver would reject the request: a failure');
  t.equal(rejected.skipped, undefined);
  t.equal(rejected.failures[0]?.check, 'matchConditions');
  t.match(rejected.failures[0]?.message, /^matchConditions "reads-a-missing-key": .*: with failurePolicy Fail the apiserver rejects the request \(403\) without calling the webhook$/);
  skipped(t, results.get('error under Ignore'), 'matchConditions', /^matchConditions "reads-a-missing-key": .* \(failurePolicy Ignore: the apiserver skips the webhook\)$/);

  const assumed = results.get('needs the authorizer')!;
  sent(t, assumed, 'a condition on the authorizer is assumed true');
  t.same(assumed.notes, ['matchConditions: "not-an-admin" uses authorizer, which replay cannot evaluate offline: assumed true']);
  skipped(t, results.get('false without the authorizer'), 'matchConditions', /^matchConditions: "not-kube-dns" is false$/);
});

t.test('a condition that does not compile is a usage error naming the webhook', async (t) => {
  const dir = t.testdir({
    'bad.ts': [
      "import { allow, defineValidatingWebhook } from 'kadmit';",
      "export default defineValidatingWebhook({ name: 'bad.match.kadmit.dev', path: '/bad', rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],",
      "  matchConditions: [{ name: 'broken', expression: 'object.metadata.name ==' }], validate: () => allow() });",
    ].join('\n'),
  });
  await t.rejects(prepareTarget({ webhook: [join(dir, 'bad.ts')], workers: '0' }, {}), { code: 'KADMIT_USAGE', message: /^webhook bad\.match\.kadmit\.dev: matchConditions\[0\] \("broken"\) does not compile: / });
});

t.test('expect.sent asserts either way', async (t) => {
  const results = await replay(t, [
    `name: expected not sent\nwebhook: rules.match.kadmit.dev\noperation: DELETE\noldObject: ${deployment}\nexpect: {sent: false}`,
    `name: expected sent\nwebhook: rules.match.kadmit.dev\noperation: DELETE\noldObject: ${deployment}\nexpect: {sent: true}`,
    `name: sent after all\nwebhook: rules.match.kadmit.dev\noperation: CREATE\nobject: ${deployment}\nexpect: {sent: false}`,
  ]);
  const notSent = results.get('expected not sent')!;
  t.same([notSent.passed, notSent.sent, notSent.skipped], [true, false, undefined]);
  t.match(notSent.notes?.[0], /^not sent: rules: DELETE apps\/v1 deployments/);
  const wanted = results.get('expected sent')!;
  t.same([wanted.passed, wanted.failures[0]?.check], [false, 'sent']);
  t.match(wanted.failures[0]?.message, /^not sent: rules: /);
  const unwanted = results.get('sent after all')!;
  t.same([unwanted.passed, unwanted.sent, unwanted.failures[0]?.check], [false, false, 'sent']);

  const dir = t.testdir({ 'x.yaml': `webhook: rules.match.kadmit.dev\noperation: CREATE\nobject: ${deployment}\nexpect: {sent: false, allowed: true}` });
  const loaded = loadFixtures([dir], { webhooks: plain.webhooks, timeoutFor: plain.timeoutFor, cwd: dir });
  t.same(loaded.problems.map(formatProblem), ['x.yaml, document 1, line 4: expect.allowed: sent: false expects no answer: nothing else can be checked']);
});

t.test('every report shows a skip and its reason; the counts add it only when there is one', async (t) => {
  const results = [...(await replay(t, [
    `name: sent\nwebhook: rules.match.kadmit.dev\noperation: CREATE\nobject: ${deployment}`,
    `name: skipped\nwebhook: rules.match.kadmit.dev\noperation: DELETE\noldObject: ${deployment}`,
  ])).values()];
  const ctx = { mode: 'in-process' as const, durationMs: 1, color: false };
  const table = renderReport('table', results, ctx);
  t.match(table, /^SKIP {2}cases\.yaml#2 {2}skipped {2}-> rules\.match\.kadmit\.dev\n {6}- not sent: rules: DELETE apps\/v1 deployments/m);
  t.match(table, /2 cases: 1 passed, 0 failed, 1 skipped/);
  const tap = renderReport('tap', results, ctx).split('\n');
  t.match(tap[3], /^ok 2 - cases\.yaml\\#2 skipped # SKIP rules: DELETE apps\/v1 deployments/);
  t.match(tap.at(-2), /^# 2 cases: 1 passed, 0 failed, 1 skipped/);
  const json = JSON.parse(renderReport('json', results, ctx));
  t.same(json.summary, { total: 2, passed: 1, failed: 0, skipped: 1, checks: 1 });
  t.same([json.results[1].passed, json.results[1].sent, json.results[1].skipped.by], [false, false, 'rules']);
  t.notOk('sent' in json.results[0] || 'skipped' in json.results[0], 'a sent case is reported as before');
  const junit = renderReport('junit', results, ctx);
  t.match(junit, /<testsuites [^>]*tests="2" failures="0" errors="0" skipped="1"/);
  t.match(junit, /<testcase [^>]*name="#2 skipped"[^>]*>\n {6}<skipped message="rules: DELETE apps\/v1 deployments/);
});
