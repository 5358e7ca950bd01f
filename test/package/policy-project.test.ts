// The whole path a new user takes, on real processes: pack kadmit, install the
// tarball, `npx kadmit init demo`, and in demo (kadmit from that tarball):
// `npm test`, `npm run typecheck`, `npx kadmit replay` with no arguments, the
// `npx kadmit serve --check` its CI workflow runs,
// `npx kadmit serve` with no arguments, and `npx kadmit replay --url` against it.
// A second `kadmit init demo` changes nothing and fails, naming the files.
import t from 'tap';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { must, npm, run, userEnv } from '../helpers/package.ts';
import { sharedPackage, type SharedPackage } from '../helpers/shared-package.ts';
import { installProject } from './project-install.ts';
import { finished, waitForLog } from '../helpers/process.ts';
import { parseAllDocuments } from 'yaml';

const tmp = mkdtempSync(join(tmpdir(), 'kadmit-project-'));
t.teardown(() => rmSync(tmp, { recursive: true, force: true }));

const npx = (args: string[], cwd: string) => run('npx', args, cwd);
const timed = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
  const started = Date.now();
  const result = await work();
  t.comment(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result;
};

// The tarball and its `npm install` are shared with test/image (built once per source tree).
const packed: SharedPackage = await timed('pack and npm install <tarball> (or reuse them)', () => sharedPackage());
t.comment(`tarball: ${packed.files.length} files, ${(packed.size / 1024).toFixed(0)} KiB`);
// All set-up before the first subtest: tap ends the file's root test once its queue is empty.
// The install, as `npm install <tarball>` left it, in a folder of its own: init writes demo/
// there. Its node_modules is linked, not copied: nothing here writes to it.
const home = join(tmp, 'home');
mkdirSync(home);
cpSync(join(packed.app, 'package.json'), join(home, 'package.json'));
symlinkSync(join(packed.app, 'node_modules'), join(home, 'node_modules'));

t.test('the tarball holds compiled JavaScript, declarations and the templates, and no tests, fixtures or certs', async (t) => {
  const outside = packed.files.filter((f) => !/^(bin|dist|templates|examples\/crds|docs)\/|^(package\.json|README\.md|LICENSE)$/.test(f));
  t.same(outside, [], 'only bin/, dist/, templates/, examples/crds/, docs/ and the package files');
  t.notOk(packed.files.some((f) => f.startsWith('dist/') && f.endsWith('.ts') && !f.endsWith('.d.ts')), 'no TypeScript sources in dist/');
  for (const entry of ['dist/index.js', 'dist/index.d.ts', 'dist/testing/index.js', 'dist/testing/index.d.ts', 'dist/schemas/types.d.ts', 'dist/zod.js', 'dist/zod.d.ts', 'dist/cli-bundle/main.js', 'dist/schemas/generated/schemas.json', 'bin/kadmit.js']) {
    t.ok(packed.files.includes(entry), entry);
  }
  t.notOk(packed.files.some((f) => /^(src|test|certs|deploy|bench|scripts)\//.test(f)), 'no sources, tests, certificates, manifests or benchmarks');
  t.notOk(packed.files.some((f) => /\.(key|crt|pem)$/.test(f)), 'no key or certificate files');
  // The scaffold's own fixtures and tests are templates, not kadmit's.
  t.same(packed.files.filter((f) => /(^|\/)(test|fixtures)\//.test(f)).filter((f) => !f.startsWith('templates/policy-project/')), []);
});


t.test('installed: the bin runs the compiled code and prints the version', async (t) => {
  const version = must('kadmit --version', await npx(['kadmit', '--version'], home));
  t.equal(version.stdout.trim(), JSON.parse(readFileSync(join(home, 'node_modules/kadmit/package.json'), 'utf8')).version);
  t.notOk(existsSync(join(home, 'node_modules/kadmit/src')), 'no sources installed');
});

const demo = join(home, 'demo');

t.test('kadmit init demo scaffolds a project; a second init changes nothing and fails', async (t) => {
  const first = must('kadmit init demo', await npx(['kadmit', 'init', 'demo'], home));
  t.match(first.stdout, /wrote a policy project in demo/);
  for (const file of ['package.json', 'tsconfig.json', 'kadmit.yaml', 'Dockerfile', '.gitignore', '.github/workflows/ci.yaml', 'README.md', 'policies/no-latest-tag.ts', 'policies/cost-center-label.ts', 'test/policies.test.ts']) {
    t.ok(existsSync(join(demo, file)), file);
  }
  t.notMatch(readFileSync(join(demo, 'package.json'), 'utf8'), /\{\{/, 'every placeholder filled');
  const before = snapshot(demo);
  const second = await npx(['kadmit', 'init', 'demo'], home);
  t.not(second.code, 0, 'exits non-zero');
  t.match(second.stderr, /already has .*package\.json.*nothing was written \(--force overwrites\)/);
  t.same(snapshot(demo), before, 'nothing changed');
});

t.test('in demo: the CI steps (typecheck, npm test, replay, serve --check), serve and replay --url work with kadmit from the tarball', async (t) => {
  // The scaffold depends on kadmit from the registry; here, the tarball under test.
  const pkgPath = join(demo, 'package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
  pkg.dependencies.kadmit = `file:${packed.tarball}`;
  writeFileSync(pkgPath, JSON.stringify(pkg, null, 2));
  await timed('npm install in demo', async () => must('npm install', await installProject(demo, packed)));
  // The scaffold's CI runs these; the serve check exactly as its workflow writes it.
  const workflow = parseAllDocuments(readFileSync(join(demo, '.github/workflows/ci.yaml'), 'utf8'))[0]!.toJS() as { jobs: { test: { steps: { run?: string }[] } } };
  const runs = workflow.jobs.test.steps.flatMap((s) => (s.run ? [s.run] : []));
  t.same(runs.slice(0, 4), ['npm ci', 'npm run typecheck', 'npm test', 'npx kadmit replay'], "the scaffold's CI: install, typecheck, test, replay, then the serve check");
  const serveCheck = runs.find((r) => r.startsWith('npx kadmit serve --check'));
  t.ok(serveCheck, "the scaffold's CI starts the server once with --check");
  // First and alone: it makes the project's certificates, which serve (below) then reuses.
  const checked = await timed(serveCheck!, () => npx(serveCheck!.split(' ').slice(1), demo));
  t.equal(checked.code, 0, `serve --check passes\n${checked.stdout}\n${checked.stderr}`);
  t.match(checked.stdout, /check passed: kadmit served/);
  // Independent of each other, so at once; serve starts meanwhile (below).
  const checks = Promise.all([
    timed('npm test', () => npm(['test'], demo)),
    timed('npm run typecheck', () => npm(['run', 'typecheck'], demo)),
    timed('npx kadmit replay', () => npx(['kadmit', 'replay'], demo)),
    timed('npx kadmit manifests', () => npx(['kadmit', 'manifests', '--image', 'registry.example.com/team/demo:0.1.0'], demo)),
  ]);
  // No arguments: kadmit.yaml decides; only the ports come from the environment, so parallel tests never collide.
  const server = spawn('npx', ['kadmit', 'serve'], { cwd: demo, env: userEnv({ KADMIT_WEBHOOK_ADDRESS: '127.0.0.1:0', KADMIT_OPS_ADDRESS: '127.0.0.1:0', KADMIT_WORKERS: '1', KADMIT_DRAIN_DELAY_MS: '0' }), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const exited = finished(server);
  t.teardown(() => {
    if (server.exitCode === null && server.pid !== undefined) process.kill(-server.pid, 'SIGKILL');
  });
  const serving = await waitForLog(server, (l) => l.msg === 'kadmit serving', 30_000);
  t.same(serving.webhooks, [
    'validating no-latest-tag.policies.example.com /validate/no-latest-tag',
    'mutating cost-center-label.policies.example.com /mutate/cost-center-label',
  ]);
  t.ok(existsSync(join(demo, 'certs/ca.crt')), 'certificates under the project');
  const overHttps = await timed('npx kadmit replay --url', () => npx(['kadmit', 'replay', '--url', `https://localhost:${serving.webhook.port}`, '--ca', 'certs/ca.crt'], demo));
  t.equal(overHttps.code, 0, `replay over HTTPS passes\n${overHttps.stdout}\n${overHttps.stderr}`);
  t.match(overHttps.stdout, /5 cases: 5 passed, 0 failed/);

  const [test, typecheck, replay, manifests] = await checks;
  t.equal(test.code, 0, `npm test passes\n${test.stdout}\n${test.stderr}`);
  t.match(test.stdout, /\bpass [1-9]/);
  t.match(test.stdout, /\bfail 0\b/);

  t.equal(typecheck.code, 0, `typecheck passes\n${typecheck.stdout}\n${typecheck.stderr}`);

  t.equal(replay.code, 0, `replay passes\n${replay.stdout}\n${replay.stderr}`);
  t.match(replay.stdout, /5 cases: 5 passed, 0 failed/);

  t.equal(manifests.code, 0, manifests.stderr);
  const objects = parseAllDocuments(manifests.stdout).map((d) => d.toJS());
  const deployment = objects.find((o) => o?.kind === 'Deployment');
  t.equal(deployment.spec.template.spec.containers[0].image, 'registry.example.com/team/demo:0.1.0');
  t.match(deployment.spec.template.spec.containers[0].env, [{}], 'the container environment');
  t.ok(deployment.spec.template.spec.containers[0].env.some((e: { name: string; value?: string }) => e.name === 'KADMIT_WEBHOOKS' && e.value === './policies/no-latest-tag,./policies/cost-center-label'), 'module paths as written in kadmit.yaml, relative to /app in the image');
  const validating = objects.find((o) => o?.kind === 'ValidatingWebhookConfiguration');
  t.same(validating.webhooks.map((w: { name: string }) => w.name), ['no-latest-tag.policies.example.com']);

  // Last: it rewrites a fixture the checks above read.
  // The scaffold README's record command, as written there.
  const recordLine = /^npx kadmit replay --record \S+/m.exec(readFileSync(join(demo, 'README.md'), 'utf8'))?.[0];
  t.ok(recordLine, "the scaffold's README shows --record");
  const recorded = await npx(recordLine!.split(' ').slice(1), demo);
  t.equal(recorded.code, 0, `${recorded.stdout}${recorded.stderr}`);

  // npx itself dies of the signal; kadmit, beneath it, drains and says so.
  process.kill(-server.pid!, 'SIGTERM');
  const exit = await exited;
  t.match(exit.stdout, /"msg":"shutdown: done"/, `serve shuts down cleanly on SIGTERM\n${exit.stderr}`);
});

/** Every file under dir with its size and modification time. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      const path = join(d, entry);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else out[path.slice(dir.length)] = `${st.size}:${st.mtimeMs}`;
    }
  };
  walk(dir);
  return out;
}
