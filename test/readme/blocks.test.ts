// The README is true: every shell command in it is run here as written, or is
// named below with the test that runs it (a new command that is neither fails
// this test), and every TypeScript block is type-checked against the public API
// and, where it is a test, run.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { finished, waitForLog } from '../helpers/process.ts';
import { ROOT } from '../helpers/package.ts';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```(sh|ts)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, text: m[2]! }));

/** The commands of the shell blocks: continuation lines joined, comments dropped. */
const commands = blocks
  .filter((b) => b.lang === 'sh')
  .flatMap((b) => b.text.replace(/\\\n\s*/g, '').split('\n'))
  .map((line) => line.replace(/\s+#\s.*$/, '').trim())
  .filter((line) => line !== '' && !line.startsWith('#'));

const NEW_USER_PATH = 'test/package/policy-project.test.ts (init, npm install && npm test, typecheck, replay, serve and replay --url in a scaffolded project)';
/** Commands run by another test, or that need what this machine has not. */
const ELSEWHERE: Record<string, string> = {
  'npx kadmit init my-policies': NEW_USER_PATH,
  'cd my-policies': NEW_USER_PATH,
  'npm install && npm test': NEW_USER_PATH,
  'npm run typecheck': NEW_USER_PATH,
  'npx kadmit replay': NEW_USER_PATH,
  'npx kadmit serve': NEW_USER_PATH,
  'npx kadmit serve --watch': 'test/cli/serve-watch.test.ts (a policy project served with --watch: edits under load, a broken edit, its fix)',
  'npm ci && npm test': '.ci/run, on a clean clone',
  'kubectl apply -k deploy/': 'no cluster here; test/manifests/deploy-fresh.test.ts keeps deploy/ equal to what kadmit manifests renders',
};

const run = (command: string) => finished(spawn('sh', ['-c', command], { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] }));

/** Starts `command` in the background and resolves once it serves; it is stopped when the file ends. */
async function serving(command: string): Promise<void> {
  // In a process group of its own: npm and npx start the server as a grandchild.
  // One review worker and no drain delay: nothing here depends on either, and a second
  // worker's boot costs CPU, the drain the time of the end.
  const child = spawn('sh', ['-c', command], { cwd: ROOT, env: { ...process.env, KADMIT_WORKERS: '1', KADMIT_DRAIN_DELAY_MS: '0' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const done = finished(child);
  t.teardown(async () => {
    process.kill(-child.pid!, 'SIGTERM');
    await done;
  });
  await waitForLog(child, (l) => l.msg === 'kadmit serving', 30_000);
}

/** Starts `work` now for a subtest that awaits it later: a failure then fails that subtest, not the file. */
function early<T>(work: () => Promise<T>): Promise<T> {
  const started = Promise.resolve().then(work);
  started.catch(() => {});
  return started;
}

// The commands do not depend on each other, so they all start now and each subtest
// checks its own. Both servers use certs/: the second starts once the first has made them.
const start = commands.find((c) => c === 'npm ci && npm start');
const curl = commands.find((c) => c.startsWith('curl '));
const replays = commands.filter((c) => c.startsWith('npx kadmit replay --config'));
const serve = commands.find((c) => c.startsWith('npx kadmit serve --config') && c.endsWith('&'));
const types = commands.find((c) => c.startsWith('npx kadmit types --crd'));
const manifests = commands.find((c) => c.startsWith('npx kadmit manifests --service-monitor'));
// npm ci is .ci/run's first step; what it installs is here already.
const npmStarted = early(() => serving('npm start'));
const posted = early(() => npmStarted.then(() => run(curl!)));
const inProcess = early(() => run(replays[0]!));
const serveStarted = early(() => npmStarted.then(() => serving(serve!.replace(/\s*&$/, ''))));
const overHttps = early(() => serveStarted.then(() => run(replays[1]!)));
const typesPrinted = early(() => run(types!));
const manifestsPrinted = early(() => run(manifests!));

// First: the type check keeps this process busy while the commands above run.
t.test('the TypeScript blocks type-check against kadmit, and the test block passes', async (t) => {
  const tsBlocks = blocks.filter((b) => b.lang === 'ts');
  t.ok(tsBlocks.length >= 2);
  // Inside the checkout, so `kadmit` resolves to this package by its own name.
  const dir = mkdtempSync(join(ROOT, '.readme-blocks-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const files = tsBlocks.map((b, i) => {
    const named = /^\/\/ ([\w./-]+\.ts)\n/.exec(b.text)?.[1];
    const file = join(dir, named ?? `block-${i}.ts`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, b.text);
    return file;
  });
  const tests = files.filter((f) => f.endsWith('.test.ts'));
  t.ok(tests.length > 0, 'a test block');
  // It runs while this process type-checks.
  const ran = finished(spawn(process.execPath, ['--test', ...tests], { cwd: dir, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] }));

  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
  const program = ts.createProgram(files, { ...config.options, noEmit: true });
  // The blocks' own diagnostics only: the program holds kadmit's sources, which `npm run typecheck` checks.
  const diagnostics = files.flatMap((f) => ts.getPreEmitDiagnostics(program, program.getSourceFile(f))).filter((d) => d.file && files.includes(d.file.fileName));
  t.same(diagnostics.map((d) => `${d.file!.fileName.slice(dir.length + 1)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`), []);

  const result = await ran;
  t.equal(result.code, 0, `${result.stdout}${result.stderr}`);
  t.match(result.stdout, /\bfail 0\b/);
});

const ranHere = new Set<string>();

t.test('npm start, then the curl that posts a review to it', async (t) => {
  t.ok(start && curl, 'the README shows both');
  const answered = await posted;
  t.equal(answered.code, 0, answered.stderr);
  const answer = JSON.parse(answered.stdout);
  t.match(answer, { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { allowed: true, patchType: 'JSONPatch' } });
  t.match(readme, answered.stdout.trim(), 'the README shows the answer as it is');
  ranHere.add(start!).add(curl!);
});

t.test('kadmit replay in a checkout, in-process and against kadmit serve', async (t) => {
  t.equal(replays.length, 2);
  t.ok(serve);
  const replayed = await inProcess;
  t.equal(replayed.code, 0, `${replayed.stdout}${replayed.stderr}`);
  await serveStarted;
  const replayedOverHttps = await overHttps;
  t.equal(replayedOverHttps.code, 0, `${replayedOverHttps.stdout}${replayedOverHttps.stderr}`);
  for (const c of [...replays, serve!]) ranHere.add(c);
});

t.test('kadmit types prints the types of a CRD', async (t) => {
  t.ok(types);
  const printed = await typesPrinted;
  t.equal(printed.code, 0, printed.stderr);
  t.match(printed.stdout, /declare module 'kadmit\/schemas'/);
  t.match(printed.stdout, /'webapp\.example\.com\/v1\/Guestbook'/);
  ranHere.add(types!);
});

t.test('kadmit manifests with the monitoring objects and the autoscaler', async (t) => {
  t.ok(manifests);
  const printed = await manifestsPrinted;
  t.equal(printed.code, 0, printed.stderr);
  for (const kind of ['ServiceMonitor', 'PrometheusRule', 'ConfigMap', 'HorizontalPodAutoscaler']) t.match(printed.stdout, new RegExp(`^kind: ${kind}$`, 'm'));
  ranHere.add(manifests!);
});

t.test('every README command is run here or by the test named for it', async (t) => {
  const unaccounted = commands.filter((c) => !ranHere.has(c) && !(c in ELSEWHERE));
  t.same(unaccounted, [], 'run each new command here, or name the test that runs it in ELSEWHERE');
  t.same(Object.keys(ELSEWHERE).filter((c) => !commands.includes(c)), [], 'ELSEWHERE names only commands the README has');
});
