// Guards: what each one skips (agreeing with what the apiserver would not send),
// that a skipped review is allowed without the handler and without a patch, and
// the definition errors.
import t from 'tap';
import { defineMutatingWebhook, defineValidatingWebhook, SYSTEM_NAMESPACES } from '../../src/webhooks/define.ts';
import { resolveGuards, rulesWithoutSkipped, skipReason } from '../../src/webhooks/guards.ts';
import { allow, mutate } from '../../src/model/verdict.ts';
import type { RawObject } from '../../src/model/request.ts';
import { inlineExecutor, Reviewer } from '../../src/admission/reviewer.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { httpStatus } from '../../src/transport/http-answer.ts';
import { buildShorthandReview } from '../../src/replay/review.ts';
import { capturedLog, pod, request, review, schemas } from './support.ts';

const OPT_OUT = 'example.com/skip';
const name = 'guards.test.kadmit.dev';

t.test('namespaces: the request namespace, a Namespace by its own name, never other cluster-scoped objects', async (t) => {
  const guards = resolveGuards(name, { namespaces: SYSTEM_NAMESPACES });
  t.equal(skipReason(guards, request({ operation: 'CREATE', object: pod({}, 'kube-system') })), 'namespace');
  t.equal(skipReason(guards, request({ operation: 'CREATE', object: pod({}, 'kube-node-lease') })), 'namespace');
  t.equal(skipReason(guards, request({ operation: 'CREATE', object: pod({}, 'shop') })), undefined);
  const namespace = (n: string): RawObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n } });
  t.equal(skipReason(guards, request({ operation: 'UPDATE', object: namespace('kube-public'), oldObject: namespace('kube-public') })), 'namespace');
  t.equal(skipReason(guards, request({ operation: 'CREATE', object: namespace('shop') })), undefined);
  const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'kube-system' } };
  t.equal(skipReason(guards, request({ operation: 'CREATE', object: role })), undefined, 'cluster-scoped: namespaceSelector does not apply');
});

t.test('operations', async (t) => {
  const guards = resolveGuards(name, { operations: ['DELETE'] });
  t.equal(skipReason(guards, request({ operation: 'DELETE', oldObject: pod() })), 'operation');
  t.equal(skipReason(guards, request({ operation: 'CREATE', object: pod() })), undefined);
});

t.test('opt-out label: reviewed when the object or the old object lacks it, as the apiserver sends', async (t) => {
  const guards = resolveGuards(name, { optOutLabel: OPT_OUT });
  const out = pod({ [OPT_OUT]: '' });
  const plain = pod({ app: 'web' });
  t.equal(skipReason(guards, request({ operation: 'CREATE', object: out })), 'opt-out-label', 'any value opts out');
  t.equal(skipReason(guards, request({ operation: 'CREATE', object: plain })), undefined);
  t.equal(skipReason(guards, request({ operation: 'UPDATE', object: out, oldObject: out })), 'opt-out-label', 'both carry it');
  t.equal(skipReason(guards, request({ operation: 'UPDATE', object: out, oldObject: plain })), undefined, 'adding the label is reviewed');
  t.equal(skipReason(guards, request({ operation: 'UPDATE', object: plain, oldObject: out })), undefined, 'removing it is reviewed');
  t.equal(skipReason(guards, request({ operation: 'DELETE', oldObject: out })), 'opt-out-label');
  t.equal(skipReason(guards, request({ operation: 'DELETE', oldObject: plain })), undefined);
  const noLabels = pod();
  (noLabels.metadata as Record<string, unknown>).labels = null;
  t.equal(skipReason(guards, request({ operation: 'CREATE', object: noLabels })), undefined, 'no labels at all: reviewed');
  const exec = { apiVersion: 'v1', kind: 'PodExecOptions', command: ['sh'] };
  t.equal(skipReason(guards, request({ operation: 'CONNECT', object: exec, resourceName: 'web', namespace: 'shop' })), 'opt-out-label',
    'an options object cannot carry labels, so the apiserver never sends CONNECT');
});

t.test('no guards, no skip', async (t) => {
  t.equal(resolveGuards(name, undefined), undefined);
  t.equal(skipReason(undefined, request({ operation: 'DELETE', oldObject: pod({ [OPT_OUT]: 'y' }, 'kube-system') })), undefined);
});

t.test('a skipped review is allowed without calling the handler, and without a patch', async (t) => {
  let calls = 0;
  const webhook = defineMutatingWebhook({
    name, path: '/mutate/guards', kinds: ['v1/Pod'], operations: ['CREATE', 'UPDATE', 'DELETE'],
    skip: { namespaces: SYSTEM_NAMESPACES, optOutLabel: OPT_OUT, operations: ['DELETE'] },
    mutate({ object }) {
      calls++;
      if (object === null) return allow();
      object.metadata = { ...object.metadata, annotations: { touched: 'yes' } };
      return mutate(object);
    },
  });
  for (const [shorthand, reason] of [
    [{ operation: 'CREATE', object: pod({}, 'kube-system') }, 'namespace'],
    [{ operation: 'CREATE', object: pod({ [OPT_OUT]: 'true' }) }, 'opt-out-label'],
    [{ operation: 'DELETE', oldObject: pod() }, 'operation'],
  ] as const) {
    const r = await review(webhook, shorthand);
    t.same(Object.keys(r.response).sort(), ['allowed', 'uid'], `${reason}: a bare allow`);
    t.equal(r.response.allowed, true);
    t.match(r.outcome.summary, { decision: 'skipped', skipped: reason, code: 200 });
  }
  t.equal(calls, 0, 'the handler never ran');
  const reviewed = await review(webhook, { operation: 'CREATE', object: pod() });
  t.equal(calls, 1);
  t.match(reviewed.outcome.summary, { decision: 'mutated' });
  t.ok(reviewed.response.patch);
});

t.test('skipped reviews are not schema-checked either: the apiserver would not have sent them', async (t) => {
  const webhook = defineValidatingWebhook({ name, path: '/validate/guards', kinds: ['v1/Pod'], skip: { namespaces: ['kube-system'] }, validate: () => allow() });
  const bad = pod({}, 'kube-system');
  (bad.spec as Record<string, unknown>).containers = 'none';
  const r = await review(webhook, { operation: 'CREATE', object: bad });
  t.equal(r.outcome.summary.decision, 'skipped');
});

t.test('skipped operations are left out of the rules; a webhook left with none is refused', async (t) => {
  const guards = resolveGuards(name, { operations: ['DELETE', 'CONNECT'] });
  const rules = [
    { operations: ['*' as const], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] },
    { operations: ['DELETE' as const], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'] },
    { operations: ['CREATE' as const], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] },
  ];
  t.same(rulesWithoutSkipped(rules, guards), [{ ...rules[0], operations: ['CREATE', 'UPDATE'] }, rules[2]]);
  t.equal(rulesWithoutSkipped(rules, undefined).length, 3);
  t.throws(() => defineValidatingWebhook({ name, path: '/x', kinds: ['v1/Pod'], operations: ['DELETE'], skip: { operations: ['DELETE'] }, validate: () => allow() }),
    { code: 'KADMIT_WEBHOOK_INVALID', message: /skip\.operations leaves out every operation the rules match/ });
});

t.test('bad guards are refused where the webhook is defined', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [[], /skip must be an object/],
    [{ namespace: ['a'] }, /skip has unknown field "namespace"/],
    [{ namespaces: [] }, /skip\.namespaces must list 1 to 100 namespaces/],
    [{ namespaces: ['Kube-System'] }, /skip\.namespaces\[0\] must be a namespace name/],
    [{ namespaces: ['x'.repeat(64)] }, /skip\.namespaces\[0\]/],
    [{ optOutLabel: 'example.com/' }, /skip\.optOutLabel must be a label key/],
    [{ optOutLabel: 'Example.com/skip' }, /skip\.optOutLabel/],
    [{ optOutLabel: `${'a'.repeat(64)}` }, /skip\.optOutLabel/],
    [{ optOutLabel: 7 }, /skip\.optOutLabel/],
    [{ operations: ['PATCH'] }, /skip\.operations has unknown operation "PATCH"/],
    [{ operations: [] }, /skip\.operations must list at least one operation/],
  ];
  for (const [skip, message] of cases) t.throws(() => resolveGuards(name, skip), { code: 'KADMIT_WEBHOOK_INVALID', message }, JSON.stringify(skip));
  t.same(resolveGuards(name, { namespaces: ['a', 'a'], optOutLabel: 'skip', operations: ['DELETE', 'DELETE'] }), { namespaces: ['a'], optOutLabel: 'skip', operations: ['DELETE'] });
});

t.test('a skipped review is counted with decision "skipped" and logged at debug, not info', async (t) => {
  const { log, lines } = capturedLog();
  const metrics = createMetrics();
  const reviewer = new Reviewer({ deadlineMarginMs: 500, execute: inlineExecutor({ log, schemas }), log, metrics, httpStatus });
  const webhook = defineValidatingWebhook({ name, path: '/validate/guards', kinds: ['v1/Pod'], skip: { namespaces: ['kube-system'] }, validate: () => allow() });
  const body = new TextEncoder().encode(JSON.stringify(buildShorthandReview({ operation: 'CREATE', object: pod({}, 'kube-system') })));
  const outcome = await reviewer.review(webhook, body, '10s', new AbortController().signal);
  t.match(outcome, { kind: 'answered', summary: { decision: 'skipped' } });
  const counted = (await metrics.registry.getSingleMetricAsString('kadmit_admission_reviews_total')).split('\n');
  t.ok(counted.includes(`kadmit_admission_reviews_total{webhook="${name}",operation="CREATE",decision="skipped"} 1`), counted.join('\n'));
  const line = lines.find((l) => l['msg'] === 'review');
  t.match(line, { level: 20, decision: 'skipped', skipped: 'namespace' }, 'pino level 20 is debug');
});
