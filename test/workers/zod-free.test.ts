// A review worker whose policies take no settings does not load zod (~6.6 MiB
// a thread) while every envelope it decodes is plainly fine: the envelope's zod
// schema is loaded for the first body that is not, and then names what is
// wrong. `kadmit serve` as a process, with a preload that logs each module
// each thread loads (test/fixtures/preload/module-log.js).
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { finished, startCli, waitForLog } from '../helpers/process.ts';
import { httpsRequest } from '../helpers/https-client.ts';

const dir = t.testdir({});
const moduleLog = join(dir, 'modules.log');
const preload = pathToFileURL(new URL('../fixtures/preload/module-log.js', import.meta.url).pathname).href;
const child = startCli(
  ['serve', '--webhook-address', '127.0.0.1:0', '--ops-address', '127.0.0.1:0', '--cert-dir', join(dir, 'certs'), '--drain-delay-ms', '0', '--workers', '1', '--webhook', 'builtin:require-memory-limits'],
  // KADMIT_DEPENDENCY_BUNDLE empty: zod from node_modules, as installed, where the log can see it (npm test bundles it otherwise).
  { cwd: dir, env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${preload}`, KADMIT_TEST_MODULE_LOG: moduleLog, KADMIT_DEPENDENCY_BUNDLE: '' } },
);
t.teardown(() => child.kill('SIGKILL'));
const exited = finished(child);
const serving = await waitForLog(child, (l) => l.msg === 'kadmit serving', 30_000);
const ca = readFileSync(join(dir, 'certs', 'ca.crt'), 'utf8');
const post = (body: string) => httpsRequest(serving.webhook.port, ca, '/validate/require-memory-limits?timeout=10s', body);

/** The modules each thread has loaded so far: thread id -> URLs. */
function modulesByThread(): Map<string, string[]> {
  const byThread = new Map<string, string[]>();
  for (const line of readFileSync(moduleLog, 'utf8').split('\n').filter(Boolean)) {
    const [thread, url] = line.split(' ') as [string, string];
    byThread.set(thread, [...(byThread.get(thread) ?? []), url]);
  }
  return byThread;
}
const isZod = (url: string) => url.includes('/node_modules/zod/');
const workerModules = () => [...modulesByThread()].filter(([thread]) => thread !== '0').flatMap(([, urls]) => urls);

t.test('a review that fits loads no zod in the worker; the main thread, which reads the configuration, has it', async (t) => {
  const res = await post(readFileSync(new URL('../fixtures/pod-create-5k.json', import.meta.url), 'utf8'));
  t.equal(res.status, 200);
  t.match(res.json(), { response: { allowed: true } });
  t.ok(workerModules().some((url) => url.endsWith('/policies/require-memory-limits.ts')), 'the log covers the worker, which loaded the policy');
  t.same(workerModules().filter(isZod), [], 'no zod module in the worker');
  t.ok(modulesByThread().get('0')?.some(isZod), 'zod in the main thread: the log would show it');
});

t.test('a bad envelope loads zod in the worker, which names every wrong field', async (t) => {
  const res = await post(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u1', operation: 'CREATE' } }));
  t.equal(res.status, 400);
  t.match(res.text, /request\.kind/);
  t.match(res.text, /request\.resource/);
  t.ok(workerModules().some(isZod), 'zod loaded to explain the no');
});

t.test('the server shuts down cleanly', async (t) => {
  child.kill('SIGTERM');
  const result = await exited;
  t.equal(result.code, 0, result.stderr);
});
