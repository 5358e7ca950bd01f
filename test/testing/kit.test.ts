// kadmit/testing: reviews built from an object in one call, sent through the
// pipeline serve uses (schema check, review worker, deadline), answered with the
// wire response, the decoded patch and the patched object.
import t from 'tap';
import { fileURLToPath } from 'node:url';
import { buildReview, createTestKit } from 'kadmit/testing';

const probe = fileURLToPath(new URL('../fixtures/webhooks/probe.ts', import.meta.url));
const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'shop' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } };

t.test('buildReview completes a request the way the apiserver fills one', async (t) => {
  const review = buildReview(pod, { user: 'alice', dryRun: true });
  t.match(review, {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'shop',
      name: 'web',
      operation: 'CREATE',
      userInfo: { username: 'alice', groups: ['system:authenticated'] },
      object: pod,
      oldObject: null,
      dryRun: true,
      options: { kind: 'CreateOptions', dryRun: ['All'] },
    },
  });
  t.match(buildReview(null, { oldObject: pod }).request, { operation: 'DELETE', object: null, oldObject: pod, options: { kind: 'DeleteOptions' } });
  t.match(buildReview(pod, { operation: 'UPDATE', oldObject: pod }).request, { operation: 'UPDATE', oldObject: pod });
  t.throws(() => buildReview(null), /a CREATE review needs an object/);
  t.throws(() => buildReview(pod, { operation: 'UPDATE' }), /an UPDATE review needs oldObject/);
  t.throws(() => buildReview({ kind: 'Pod' }), /needs apiVersion and kind/);
});

t.test('a mutating webhook in a review worker: the patch decoded and applied', async (t) => {
  await using kit = await createTestKit({ webhooks: ['builtin:pod-defaults'] });
  const result = await kit.review('pod-defaults.kadmit.dev', pod);
  t.equal(result.allowed, true);
  t.equal(result.httpStatus, 200);
  t.same(result.problems, []);
  t.ok(result.patch.length > 0, 'a patch');
  t.match(result.patch[0], { op: 'add', path: '/spec/containers/0/securityContext' });
  t.match(result.object, { spec: { containers: [{ securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true } }] } });
  t.equal(result.response?.uid, result.review.request.uid, 'the wire response echoes the uid');
  const again = await kit.review('/mutate/pod-defaults', result.object);
  t.same(again.patch, [], 'idempotent, found by path too');
});

t.test('denials, schema failures and failurePolicy answers come back as the apiserver would read them', async (t) => {
  await using kit = await createTestKit({ webhooks: [probe, 'builtin:require-memory-limits'], workers: 0 });
  const denied = await kit.review('require-memory-limits.kadmit.dev', pod);
  t.match(denied, { allowed: false, code: 403, message: /memory limit required/, problems: [] });
  const invalid = await kit.review('require-memory-limits.kadmit.dev', { ...pod, spec: { containers: 'app' } });
  t.match(invalid, { allowed: false, code: 422 });
  await t.rejects(kit.review('nope.example.com', pod), /no configured webhook has the name "nope.example.com"/);
});

t.test('send() takes a whole review, replay() runs fixture files', async (t) => {
  await using kit = await createTestKit({ webhooks: ['builtin:require-memory-limits'] });
  const review = buildReview(pod);
  const result = await kit.send(undefined, review);
  t.equal(result.review, review);
  t.equal(result.allowed, false);
  const cases = await kit.replay([new URL('../fixtures/replay/cases/require-memory-limits.yaml', import.meta.url)]);
  t.ok(cases.length > 0);
  for (const c of cases) t.same(c.failures, [], c.case.id);
});
