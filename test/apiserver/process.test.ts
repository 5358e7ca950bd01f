// The test API server as a separate process (main.ts), driven over its
// control endpoints, and reached through a kubeconfig file as kadmit
// replicas in other processes will.
import t from 'tap';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { spawnTestApiServer } from './remote.ts';

const dir = await mkdtemp(join(tmpdir(), 'kadmit-apiserver-'));
const kubeconfig = join(dir, 'kubeconfig');
const remote = await spawnTestApiServer(['--kubeconfig', kubeconfig]);
t.teardown(async () => {
  await remote.close();
  await rm(dir, { recursive: true, force: true });
});

t.test('prints url, CA and token; writes a kubeconfig client-node can load', async (t) => {
  t.match(remote.info.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  t.match(remote.info.caPem, /BEGIN CERTIFICATE/);
  t.equal(remote.info.kubeconfig, kubeconfig);
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  t.equal(kc.getCurrentCluster()?.server, remote.info.url);
  t.match(await readFile(kubeconfig, 'utf8'), /certificate-authority-data/);
  const core = kc.makeApiClient(CoreV1Api);
  const s = await core.createNamespacedSecret({ namespace: 'proc', body: { metadata: { name: 'x' } } });
  t.equal(s.metadata?.name, 'x');
});

t.test('control endpoints: store, faults, watches, log', async (t) => {
  const core = remote.kubeConfig().makeApiClient(CoreV1Api);
  await remote.put('secrets', { metadata: { name: 'oob', namespace: 'proc' }, data: { a: 'YQ==' } });
  t.same((await core.readNamespacedSecret({ namespace: 'proc', name: 'oob' })).data, { a: 'YQ==' });
  t.equal((await remote.get('secrets', 'proc', 'oob'))?.kind, 'Secret');
  t.equal((await remote.list('secrets', 'proc')).length, 2);

  await remote.addFault({ verb: 'get', resource: 'secrets', status: 503, times: 1 });
  await t.rejects(core.readNamespacedSecret({ namespace: 'proc', name: 'oob' }), { code: 503 });
  t.ok(await core.readNamespacedSecret({ namespace: 'proc', name: 'oob' }));

  t.same(await remote.delete('secrets', 'proc', 'oob'), { deleted: true });
  await t.rejects(core.readNamespacedSecret({ namespace: 'proc', name: 'oob' }), { code: 404 });

  const requests = await remote.requests();
  t.ok(requests.some((r) => r.verb === 'get' && r.status === 503 && (r.fault as { status?: number } | undefined)?.status === 503));
  await remote.clearLog();
  t.same(await remote.requests(), []);
  t.same(await remote.dropWatches(), { dropped: 0 });
  await remote.clearFaults();
  await remote.compact();
});

t.test('close stops the process (SIGTERM, exit code 0)', async (t) => {
  await remote.close();
  t.equal(remote.child?.exitCode, 0);
});
