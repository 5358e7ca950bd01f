// Conditional Secret access: what the certificate store relies on when
// several replicas write the same Secret.
import t from 'tap';
import { KubeErrorCode } from '../../src/kube/errors.ts';
import { createKube } from '../../src/kube/kube.ts';
import { createSecret, deleteSecret, encodeSecretData, findSecret, getSecret, replaceSecret, secretData } from '../../src/kube/secrets.ts';
import { testApiServer } from './helpers.ts';

const { api, kc } = await testApiServer(t);
const kube = createKube(kc, { requestTimeoutMs: 2000 });
const ns = 'kadmit';

t.beforeEach(() => api.faults.clear());

t.test('create, get, find, replace, delete', async (t) => {
  t.equal(await findSecret(kube, ns, 'certs'), undefined);
  await t.rejects(getSecret(kube, ns, 'certs'), { code: KubeErrorCode.NotFound });
  const created = await createSecret(kube, ns, { metadata: { name: 'certs', labels: { app: 'kadmit' } }, type: 'kadmit.io/ca', data: encodeSecretData({ 'ca.crt': 'PEM' }) });
  t.equal(created.metadata?.namespace, ns);
  t.same(secretData(created)['ca.crt']?.toString(), 'PEM');
  const got = await getSecret(kube, ns, 'certs');
  t.equal(got.metadata?.resourceVersion, created.metadata?.resourceVersion);
  const replaced = await replaceSecret(kube, ns, { ...got, data: encodeSecretData({ 'ca.crt': 'PEM2' }) });
  t.ok(Number(replaced.metadata?.resourceVersion) > Number(got.metadata?.resourceVersion));
  t.equal(api.log.entries.at(-1)?.body && (api.log.entries.at(-1)!.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion, got.metadata?.resourceVersion, 'the PUT carried the resourceVersion read');
  await t.rejects(deleteSecret(kube, ns, 'certs', { resourceVersion: got.metadata!.resourceVersion! }), { code: KubeErrorCode.Conflict }, 'delete is conditional too');
  await deleteSecret(kube, ns, 'certs', { resourceVersion: replaced.metadata!.resourceVersion! });
  t.equal(await findSecret(kube, ns, 'certs'), undefined);
  await t.rejects(deleteSecret(kube, ns, 'certs'), { code: KubeErrorCode.NotFound });
});

t.test('two replicas race: exactly one write wins, the other gets a clean conflict', async (t) => {
  await createSecret(kube, ns, { metadata: { name: 'race' }, data: encodeSecretData({ v: '0' }) });
  const [a, b] = await Promise.all([getSecret(kube, ns, 'race'), getSecret(kube, ns, 'race')]);
  const results = await Promise.allSettled([
    replaceSecret(kube, ns, { ...a, data: encodeSecretData({ v: 'a' }) }),
    replaceSecret(kube, ns, { ...b, data: encodeSecretData({ v: 'b' }) }),
  ]);
  const won = results.filter((r) => r.status === 'fulfilled');
  const lost = results.filter((r) => r.status === 'rejected');
  t.equal(won.length, 1);
  t.match(lost[0], { reason: { code: KubeErrorCode.Conflict } });
  const final = secretData(await getSecret(kube, ns, 'race')).v?.toString();
  t.ok(final === 'a' || final === 'b');

  const creates = await Promise.allSettled([createSecret(kube, ns, { metadata: { name: 'born' } }), createSecret(kube, ns, { metadata: { name: 'born' } })]);
  t.same(creates.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
  t.match(creates.find((r) => r.status === 'rejected'), { reason: { code: KubeErrorCode.AlreadyExists } });
});

t.test('replace requires a resourceVersion; a deleted Secret is NotFound', async (t) => {
  await t.rejects(replaceSecret(kube, ns, { metadata: { name: 'x' } }), { code: KubeErrorCode.Precondition });
  const s = await createSecret(kube, ns, { metadata: { name: 'gone' } });
  api.store.delete('secrets', ns, 'gone');
  await t.rejects(replaceSecret(kube, ns, s), { code: KubeErrorCode.NotFound });
});

t.test('create ignores a stale resourceVersion in the input', async (t) => {
  const s = await createSecret(kube, ns, { metadata: { name: 'recreate' } });
  api.store.delete('secrets', ns, 'recreate');
  const again = await createSecret(kube, ns, s);
  t.not(again.metadata?.uid, s.metadata?.uid);
});

t.test('a corrupted Secret is read as stored (callers decide)', async (t) => {
  api.store.put('secrets', { metadata: { name: 'bad', namespace: ns }, data: { 'ca.crt': 'not base64 at all' } });
  const s = await getSecret(kube, ns, 'bad');
  t.equal(s.data?.['ca.crt'], 'not base64 at all');
});

t.test('outages surface as retryable errors', async (t) => {
  api.faults.add({ verb: 'update', status: 500, times: 1 });
  const s = await createSecret(kube, ns, { metadata: { name: 'flaky' } });
  await t.rejects(replaceSecret(kube, ns, s), { code: KubeErrorCode.Unavailable, retryable: true });
  api.faults.add({ verb: 'get', hang: true, times: 1 });
  await t.rejects(getSecret(kube, ns, 'flaky', { timeoutMs: 100 }), { code: KubeErrorCode.Timeout, retryable: true });
});
