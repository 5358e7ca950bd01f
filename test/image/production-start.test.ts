// The image's start path without a Docker engine: the runtime filesystem laid
// out as the Dockerfile's final stage copies it (kadmit's tarball installed in
// /app, production dependencies only), read-only, then the entrypoint started with
// the environment deploy/deployment.yaml gives the container, as uid 65532
// when the test runs as root. It must serve the built-in policies over HTTPS
// and stop cleanly on SIGTERM.
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { AS_ROOT, UID, asImageUser, assembleRuntime, fillCompileCache, imageEnv, inLayout, layPolicyImage, setWritable, type Layout } from './assemble.ts';
import { execForm, readDockerfile, ROOT } from './dockerfile.ts';
import { finished, waitForLog } from '../helpers/process.ts';
import { run } from '../helpers/package.ts';
import { scaffold } from '../../src/cli/init-command.ts';
import { httpsRequest, review } from '../helpers/https-client.ts';
import { spawnTestApiServer } from '../apiserver/remote.ts';

const tmp = mkdtempSync(join(tmpdir(), 'kadmit-image-'));
// mkdtemp makes it 0700; the unprivileged user must be able to reach the app inside.
chmodSync(tmp, 0o755);
const app = join(tmp, 'app');
const layout: Layout = { app, compileCache: join(tmp, 'node-compile-cache'), tmp: join(tmp, 'image-tmp') };
const certDir = join(tmp, 'run', 'certs');
t.teardown(() => {
  for (const dir of [app, layout.compileCache]) if (existsSync(dir)) setWritable(dir, true);
  rmSync(tmp, { recursive: true, force: true });
});

// What a policy project's Dockerfile adds: its kadmit.yaml and its compiled policies.
// Compiled while the runtime is laid out.
const project = join(tmp, 'project');
scaffold(project);
const compiling = run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--noCheck', '--typeRoots', join(ROOT, 'node_modules/@types')], project);
const started = Date.now();
await assembleRuntime(app);
t.comment(`runtime assembled in ${Date.now() - started} ms`);
const compiled = await compiling;
if (compiled.code !== 0) throw new Error(`compiling the scaffold's policies failed:\n${compiled.stdout}${compiled.stderr}`);
setWritable(app, false);
mkdirSync(certDir, { recursive: true });
if (AS_ROOT) chownSync(certDir, UID, UID);
// The image's /tmp (1777, as distroless has it) and the directory the cache goes in.
mkdirSync(layout.tmp);
chmodSync(layout.tmp, 0o1777);
mkdirSync(layout.compileCache);
const filling = Date.now();
fillCompileCache(layout);
t.comment(`compile-cache stage run in ${Date.now() - filling} ms`);

t.test('production dependencies only, compiled code only', async (t) => {
  const installed = readdirSync(join(app, 'node_modules'));
  for (const dev of ['typescript', 'tap', 'fast-check', 'node', 'esbuild']) t.notOk(installed.includes(dev), `${dev} is not installed`);
  t.ok(installed.includes('fastify') && installed.includes('@kubernetes') && installed.includes('kadmit'), 'kadmit and its runtime dependencies are');
  const kadmit = join(app, 'node_modules/kadmit');
  t.ok(existsSync(join(kadmit, 'dist/cli-bundle/main.js')), 'dist/cli-bundle/main.js, the command line bundled');
  const notAscii = readdirSync(join(kadmit, 'dist/cli-bundle')).filter((f) => /[^\x00-\x7f]/.test(readFileSync(join(kadmit, 'dist/cli-bundle', f), 'latin1')));
  t.same(notAscii, [], 'the bundle is ASCII only (scripts/build.ts, asciiOnly: Node decodes it on its fast path)');
  t.ok(existsSync(join(kadmit, 'dist/policies/pod-security.js')), 'built-in policies compiled');
  t.ok(existsSync(join(kadmit, 'dist/schemas/generated/schemas.json')), 'schema bundle next to the code');
  t.notOk(existsSync(join(kadmit, 'src')), 'no sources');
});

/** The container's environment from deploy/, pointed at local ports and the temp cert dir. */
function containerEnv(): Record<string, string> {
  const deployment = parseAllDocuments(readFileSync(join(ROOT, 'deploy/deployment.yaml'), 'utf8')).map((d) => d.toJS()).find((o) => o?.kind === 'Deployment');
  const env: Record<string, string> = {};
  for (const e of deployment.spec.template.spec.containers[0].env) env[e.name] = e.valueFrom ? 'kadmit' : e.value;
  // A file store unless a test says otherwise: the Secret store needs an API server.
  delete env.KADMIT_CERT_STORE;
  // The example CRD ships in the image: serve builtin:guestbook too, validating against it.
  env.KADMIT_WEBHOOKS = `${env.KADMIT_WEBHOOKS},builtin:guestbook`;
  return { ...env, KADMIT_CRDS: 'node_modules/kadmit/examples/crds/guestbook.yaml', KADMIT_CERT_DIR: certDir, KADMIT_WEBHOOK_ADDRESS: '127.0.0.1:0', KADMIT_OPS_ADDRESS: '127.0.0.1:0', KADMIT_DRAIN_DELAY_MS: '0', KADMIT_WORKERS: '1' };
}

/**
 * The scaffold's policy image on kadmit's: its layers (kadmit.yaml and the
 * compiled policies in /app, read-only like the rest), then its check stage,
 * which starts the image once and adds the policies to the compile cache. Added
 * to the same /app once the plain image has been tried, which saves a second
 * copy of it.
 */
function addPolicyLayers(): string[] {
  chmodSync(app, 0o755);
  try {
    return layPolicyImage(layout, project);
  } finally {
    chmodSync(app, 0o555);
  }
}

/** Whether Node's log (NODE_DEBUG_NATIVE=COMPILE_CACHE) says it took the module at `path` under /app from the cache. */
function fromCache(stderr: string, path: string): boolean {
  return stderr.includes(`V8 code cache for ESM file://${app}/${path} was accepted`);
}

/** Starts the image's entrypoint in /app (as uid 65532 when it can) and waits until it serves. */
async function startImage(t: Test, env: Record<string, string>) {
  const runtime = readDockerfile().stages.at(-1)!;
  const entrypoint = execForm(runtime.instructions.find((i) => i.keyword === 'ENTRYPOINT')!)!;
  const command = asImageUser(entrypoint.map((a) => inLayout(a, layout)));
  if (!AS_ROOT) t.comment('not root or no setpriv: running as the current user (the uid switch is not tested)');
  const child = spawn(command[0]!, command.slice(1), {
    cwd: app,
    env: { ...imageEnv(runtime, layout), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const done = finished(child);
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  try {
    const serving = await waitForLog(child, (l) => l.msg === 'kadmit serving', 30_000);
    return { child, done, serving };
  } catch (err) {
    child.kill('SIGKILL');
    const out = await done;
    throw new Error(`${(err as Error).message}\nstdout: ${out.stdout}\nstderr: ${out.stderr}`);
  }
}

t.test('kadmit serve starts from the image layout and serves the default policies', async (t) => {
  // Node says which modules' compiled code it took from the cache.
  const { child, done, serving } = await startImage(t, { ...containerEnv(), NODE_DEBUG_NATIVE: 'COMPILE_CACHE' });
  if (AS_ROOT) {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    t.match(status, new RegExp(`^Uid:\\s+${UID}\\s+${UID}\\s+${UID}\\s+${UID}$`, 'm'), 'runs as uid 65532');
  }
  t.same(serving.webhooks, [
    'validating pod-security.kadmit.dev /validate/pod-security',
    'mutating pod-defaults.kadmit.dev /mutate/pod-defaults',
    'validating guestbook.kadmit.dev /validate/guestbook',
  ]);

  const ca = readFileSync(join(certDir, 'ca.crt'), 'utf8');
  const port = serving.webhook.port as number;
  const privileged = review({
    object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27', securityContext: { privileged: true } }] } },
  });
  const denied = (await httpsRequest(port, ca, '/validate/pod-security?timeout=10s', JSON.stringify(privileged))).json();
  t.equal(denied.response.allowed, false);
  t.match(denied.response.status.message, /spec\.containers\[0\]\.securityContext\.privileged \(container "app"\): privileged containers are not allowed/);
  const defaulted = (await httpsRequest(port, ca, '/mutate/pod-defaults?timeout=10s', JSON.stringify(review({})))).json();
  t.equal(defaulted.response.patchType, 'JSONPatch');
  const gvk = { group: 'webapp.example.com', version: 'v1', kind: 'Guestbook' };
  const guestbook = review({
    kind: gvk,
    requestKind: gvk,
    resource: { group: 'webapp.example.com', version: 'v1', resource: 'guestbooks' },
    requestResource: { group: 'webapp.example.com', version: 'v1', resource: 'guestbooks' },
    object: { apiVersion: 'webapp.example.com/v1', kind: 'Guestbook', metadata: { name: 'gb', namespace: 'default' }, spec: { image: 'ghcr.io/kadmit/guestbook:1.0', replicas: 'two' } },
  });
  const invalid = (await httpsRequest(port, ca, '/validate/guestbook?timeout=10s', JSON.stringify(guestbook))).json();
  t.match(invalid.response.status, { code: 422, message: /spec\.replicas: expected integer, got string/ }, 'validated against the CRD shipped in the image');

  child.kill('SIGTERM');
  const exit = await done;
  // (stderr holds Node's cache log too: only its end is shown, and only on a failure.)
  t.equal(exit.code, 0, exit.code === 0 ? 'exits 0 on SIGTERM' : `exits 0 on SIGTERM (stderr ends: ${exit.stderr.slice(-2_000)})`);
  t.notMatch(exit.stdout, /EACCES|EROFS/, 'never tried to write outside the cert dir');
  // The cache the compile-cache stage made fits the runtime (same node, flags and user), in both kinds of thread.
  // The command line's bundle names a lazily loaded part after its module, with a hash of its content.
  const bundled = readdirSync(join(app, 'node_modules/kadmit/dist/cli-bundle')).filter((f) => /^serve(-command)?-\w+\.js$/.test(f)).map((f) => `dist/cli-bundle/${f}`);
  t.equal(bundled.length, 2, 'the bundle has the serve command and the server as parts of their own');
  // A review worker starts from dist/workers/review-worker.js and runs the bundle's worker-main.js.
  for (const module of ['dist/cli-bundle/main.js', ...bundled, 'dist/workers/review-worker.js', 'dist/cli-bundle/worker-main.js', 'dist/policies/pod-security.js']) {
    t.ok(fromCache(exit.stderr, `node_modules/kadmit/${module}`), `${module}: compiled code from the image's cache`);
  }
});

t.test('in the Secret store, as deploy/ runs it, against the test API server: the CA is kept in the Secret and the server serves', async (t) => {
  // The kubeconfig must be readable by the image's user; the image's /tmp is.
  const kubeconfig = join(layout.tmp, 'kubeconfig');
  const api = await spawnTestApiServer(['--kubeconfig', kubeconfig, '--namespace', 'kadmit']);
  t.teardown(() => api.close());
  chmodSync(kubeconfig, 0o644);
  const secretCerts = join(tmp, 'run', 'secret-certs');
  mkdirSync(secretCerts, { recursive: true });
  if (AS_ROOT) chownSync(secretCerts, UID, UID);
  const env = { ...containerEnv(), KADMIT_CERT_STORE: 'secret', KUBECONFIG: kubeconfig, KADMIT_CERT_DIR: secretCerts };
  const { child, done, serving } = await startImage(t, env);
  const secret = await api.get('secrets', 'kadmit', 'kadmit-ca');
  t.ok(secret, 'the CA Secret kadmit/kadmit-ca exists');
  const ca = Buffer.from(String((secret?.data as Record<string, string> | undefined)?.['ca.crt'] ?? ''), 'base64').toString('utf8');
  t.match(ca, /BEGIN CERTIFICATE/, 'and holds the CA certificate');
  const defaulted = (await httpsRequest(serving.webhook.port as number, ca, '/mutate/pod-defaults?timeout=10s', JSON.stringify(review({})))).json();
  t.equal(defaulted.response.patchType, 'JSONPatch', 'a review is answered over TLS trusting only the CA from the Secret');
  child.kill('SIGTERM');
  const exit = await done;
  t.equal(exit.code, 0, exit.code === 0 ? 'exits 0 on SIGTERM' : `exits 0 on SIGTERM (stderr ends: ${exit.stderr.slice(-2_000)})`);
});

t.test("a policy image: the scaffold's compiled policies and kadmit.yaml in /app, served with no webhook settings in the environment", async (t) => {
  const layers = addPolicyLayers();
  t.same(layers.map((p) => p.slice(app.length)).sort(), ['/kadmit.yaml', '/policies'], "the scaffold's Dockerfile adds kadmit.yaml and the compiled policies");
  const { KADMIT_WEBHOOKS, KADMIT_CRDS, ...env } = containerEnv();
  const { child, done, serving } = await startImage(t, { ...env, NODE_DEBUG_NATIVE: 'COMPILE_CACHE' });
  t.same(serving.webhooks, [
    'validating no-latest-tag.policies.example.com /validate/no-latest-tag',
    'mutating cost-center-label.policies.example.com /mutate/cost-center-label',
  ]);
  const ca = readFileSync(join(certDir, 'ca.crt'), 'utf8');
  const latest = review({ object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'shop' }, spec: { containers: [{ name: 'app', image: 'nginx:latest' }] } } });
  const denied = (await httpsRequest(serving.webhook.port, ca, '/validate/no-latest-tag?timeout=10s', JSON.stringify(latest))).json();
  t.equal(denied.response.allowed, false);
  t.match(denied.response.status.message, /spec\.containers\[0\] \(app\): nginx:latest/);
  child.kill('SIGTERM');
  const exit = await done;
  t.equal(exit.code, 0);
  // The check stage compiled the project's modules too, and kadmit's are still there.
  for (const module of ['policies/no-latest-tag.js', 'policies/cost-center-label.js', 'node_modules/kadmit/dist/cli-bundle/worker-main.js']) {
    t.ok(fromCache(exit.stderr, module), `${module}: compiled code from the image's cache`);
  }
});
