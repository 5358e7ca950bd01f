// The apiserver's acceptance rules, applied to every answer before any
// expectation: each rule broken on its own is reported, and a good answer
// passes them all.
import t from 'tap';
import { judgeAnswer } from '../../src/replay/contract.ts';
import { defineMutatingWebhook, defineValidatingWebhook } from '../../src/webhooks/define.ts';
import { allow } from '../../src/model/verdict.ts';
import type { ReviewDocument } from '../../src/replay/review.ts';
import type { Answer } from '../../src/replay/answer.ts';
import type { Webhook } from '../../src/model/webhook.ts';

const rules = [{ operations: ['*' as const], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }];
const validating = defineValidatingWebhook({ name: 'v.test.kadmit.dev', path: '/v', rules, validate: () => allow() });
const mutating = defineMutatingWebhook({ name: 'm.test.kadmit.dev', path: '/m', rules, failurePolicy: 'Ignore', mutate: () => allow() });

const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } };
function review(operation = 'CREATE', apiVersion = 'admission.k8s.io/v1'): ReviewDocument {
  return {
    apiVersion,
    kind: 'AdmissionReview',
    request: { uid: 'u-1', operation, object: operation === 'DELETE' ? null : object, oldObject: operation === 'DELETE' ? object : null },
  };
}
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');
const answer = (body: unknown, httpStatus = 200): Answer => ({ httpStatus, body: typeof body === 'string' ? body : JSON.stringify(body), latencyMs: 1 });
const reply = (response: Record<string, unknown>, apiVersion = 'admission.k8s.io/v1') => answer({ apiVersion, kind: 'AdmissionReview', response: { uid: 'u-1', allowed: true, ...response } });
const addLabel = [{ op: 'add', path: '/metadata/labels', value: { a: 'b' } }];

function messages(webhook: Webhook, r: ReviewDocument, a: Answer) {
  return judgeAnswer(webhook, r, a).violations.map((v) => `${v.check}: ${v.message}`);
}

t.test('a good answer passes, and its patch is decoded and applied', async (t) => {
  const judged = judgeAnswer(mutating, review(), reply({ patchType: 'JSONPatch', patch: b64(addLabel) }));
  t.same(judged.violations, []);
  t.same(judged.patch, addLabel);
  t.same(judged.patchedObject, { ...object, metadata: { name: 'c', labels: { a: 'b' } } });
  t.same(judgeAnswer(validating, review('CREATE', 'admission.k8s.io/v1beta1'), reply({}, 'admission.k8s.io/v1beta1')).violations, [], 'v1beta1 echoed');
});

t.test('failed calls: the apiserver applies failurePolicy', async (t) => {
  t.same(messages(mutating, review(), { httpStatus: 0, body: '', latencyMs: 1, error: 'connect ECONNREFUSED' }),
    ['call: connect ECONNREFUSED; the apiserver would apply failurePolicy Ignore']);
  t.match(messages(validating, review(), answer('{"code":"X"}', 500))[0], /^call: HTTP 500 \(only 200-206 bodies are read\): .*failurePolicy Fail$/);
  t.match(messages(validating, review(), answer('<html>', 200))[0], /^call: the body is not JSON: "<html>"/);
  t.match(messages(validating, review(), answer('[1]', 200))[0], /^call: the body is not an AdmissionReview/);
});

t.test('the envelope: apiVersion and kind echoed, uid echoed, allowed present', async (t) => {
  t.same(messages(validating, review(), reply({}, 'admission.k8s.io/v1beta1')), ["contract: apiVersion must echo the request's"]);
  const v = judgeAnswer(validating, review(), reply({}, 'admission.k8s.io/v1beta1')).violations[0]!;
  t.same([v.expected, v.actual], ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'], 'expected and actual are kept');
  t.same(messages(validating, review(), answer({ apiVersion: 'admission.k8s.io/v1', kind: 'Review', response: { uid: 'u-1', allowed: true } })), ['contract: kind must be AdmissionReview']);
  t.same(messages(validating, review(), answer({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' })), ['contract: the reply has no response object']);
  t.same(messages(validating, review(), reply({ uid: 'u-2' })), ['contract: response.uid must equal request.uid']);
  t.same(messages(validating, review(), reply({ allowed: undefined })), ['contract: response.allowed must be a boolean (the apiserver reads a missing one as a denial)']);
  t.same(messages(validating, review(), reply({ warnings: 'w' })), ['contract: response.warnings must be a list of strings']);
  t.same(messages(validating, review(), reply({ auditAnnotations: { a: 1 } })), ['contract: response.auditAnnotations must map strings to strings']);
});

t.test('patches: only from mutating webhooks, with patchType, applicable, never on DELETE', async (t) => {
  t.same(messages(validating, review(), reply({ patchType: 'JSONPatch', patch: b64(addLabel) })), ['contract: a validating webhook must not return patch or patchType']);
  t.same(messages(mutating, review(), reply({ patch: b64(addLabel) })), ['contract: patch and patchType must come together']);
  t.same(messages(mutating, review(), reply({ patchType: 'JSONPatch' })), ['contract: patch and patchType must come together']);
  t.same(messages(mutating, review(), reply({ patchType: 'MergePatch', patch: b64(addLabel) })), ['contract: patchType must be "JSONPatch"']);
  t.same(messages(mutating, review(), reply({ patchType: 'JSONPatch', patch: 'not base64!' })), ['contract: patch must be a base64 string']);
  t.same(messages(mutating, review(), reply({ patchType: 'JSONPatch', patch: b64({ op: 'add' }) })), ['contract: patch must be base64 of a JSON array of operations (RFC 6902)']);
  t.match(messages(mutating, review(), reply({ patchType: 'JSONPatch', patch: b64([{ op: 'remove', path: '/spec' }]) })),
    [/^contract: the patch does not apply to the object; the apiserver fails the request with 500: patch operation 0 \(remove \/spec\)/]);
  t.same(messages(mutating, review('DELETE'), reply({ patchType: 'JSONPatch', patch: b64([]) })), ['contract: a patch on DELETE fails the request with 500, whatever the failurePolicy']);
});
