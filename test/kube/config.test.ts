// Where the KubeConfig comes from, in order, and the errors when it is nowhere.
import t from 'tap';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from '../../src/kube/config.ts';

const dir = t.testdir({});
const kubeconfig = (server: string, contexts = ['main']) =>
  [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: c\n  cluster:\n    server: ${server}`,
    'users:',
    '- name: u\n  user:\n    token: t',
    'contexts:',
    ...contexts.map((c) => `- name: ${c}\n  context:\n    cluster: c\n    user: u`),
    `current-context: ${contexts[0]}`,
  ].join('\n');

t.test('an explicit KubeConfig or path wins', async (t) => {
  const given = new KubeConfig();
  given.loadFromOptions({ clusters: [{ name: 'x', server: 'https://127.0.0.1:1', skipTLSVerify: false }], users: [{ name: 'u' }], contexts: [{ name: 'c', cluster: 'x', user: 'u' }], currentContext: 'c' });
  t.equal(loadKubeConfig({ kubeConfig: given, env: { KUBECONFIG: '/nope' } }), given);
  const file = join(dir, 'explicit');
  await writeFile(file, kubeconfig('https://127.0.0.1:2'));
  t.equal(loadKubeConfig({ path: file, env: {} }).getCurrentCluster()?.server, 'https://127.0.0.1:2');
});

t.test('KUBECONFIG: first existing entry; a context can be chosen', async (t) => {
  const file = join(dir, 'env');
  await writeFile(file, kubeconfig('https://127.0.0.1:3', ['one', 'two']));
  const kc = loadKubeConfig({ env: { KUBECONFIG: `${join(dir, 'missing')}:${file}` }, context: 'two' });
  t.equal(kc.getCurrentContext(), 'two');
  t.throws(() => loadKubeConfig({ env: { KUBECONFIG: file }, context: 'three' }), { code: 'KADMIT_KUBE_CONFIG', message: /no context three/ });
  t.throws(() => loadKubeConfig({ env: { KUBECONFIG: join(dir, 'missing') } }), { code: 'KADMIT_KUBE_CONFIG' });
});

t.test('in-cluster service account, then ~/.kube/config', async (t) => {
  const prefix = join(dir, 'root');
  const sa = join(prefix, 'var/run/secrets/kubernetes.io/serviceaccount');
  await mkdir(sa, { recursive: true });
  await writeFile(join(sa, 'token'), 'sa-token');
  await writeFile(join(sa, 'ca.crt'), 'ca');
  const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
  process.env.KUBERNETES_SERVICE_HOST = '127.0.0.1';
  process.env.KUBERNETES_SERVICE_PORT = '6443';
  t.teardown(() => {
    for (const [k, v] of [['KUBERNETES_SERVICE_HOST', saved.host], ['KUBERNETES_SERVICE_PORT', saved.port]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  const inCluster = loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: '127.0.0.1' }, inClusterPrefix: prefix, home: join(dir, 'nohome') });
  t.equal(inCluster.getCurrentCluster()?.server, 'https://127.0.0.1:6443');
  t.equal(inCluster.getCurrentCluster()?.caFile, join(sa, 'ca.crt'));

  const home = join(dir, 'home');
  await mkdir(join(home, '.kube'), { recursive: true });
  await writeFile(join(home, '.kube', 'config'), kubeconfig('https://127.0.0.1:4'));
  t.equal(loadKubeConfig({ env: {}, home }).getCurrentCluster()?.server, 'https://127.0.0.1:4');
});

t.test('nothing anywhere, or a broken file: KADMIT_KUBE_CONFIG, never localhost:8080', async (t) => {
  t.throws(() => loadKubeConfig({ env: {}, home: join(dir, 'empty') }), { code: 'KADMIT_KUBE_CONFIG', message: /no Kubernetes configuration/ });
  const bad = join(dir, 'bad');
  await writeFile(bad, 'clusters: [unclosed');
  t.throws(() => loadKubeConfig({ path: bad }), { code: 'KADMIT_KUBE_CONFIG', message: /cannot load kubeconfig/ });
});
