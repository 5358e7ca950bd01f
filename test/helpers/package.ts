// kadmit as users get it: the npm tarball, installed into a folder of its own.
// The tarball is built from a staging copy of what package.json `files` names,
// with dist/ built there (`scripts/build.ts --no-check`: `npm run build` without
// its type check, which is `npm run typecheck`'s job), so the checkout is never
// written to.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * NODE_OPTIONS for processes that must run kadmit as installed. Not empty: tap's
 * process tracking gives a child without NODE_OPTIONS this process's own, which
 * carry the kadmit-source condition.
 */
export const USER_NODE_OPTIONS = '--enable-source-maps';

/**
 * The environment a user's shell would give: without the `kadmit-source`
 * condition and the npm configuration this checkout's scripts run under.
 */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === 'NODE_OPTIONS' || key.toLowerCase().startsWith('npm_') || key.startsWith('TAP') || key.startsWith('_TAPJS') || key === 'INIT_CWD') continue;
    env[key] = value;
  }
  // npm and npx on the Node 24 this checkout pins, as a user's PATH would have a current Node.
  env.PATH = `${join(ROOT, 'node_modules/node/bin')}:${env.PATH ?? '/usr/bin:/bin'}`;
  env.NODE_OPTIONS = USER_NODE_OPTIONS;
  return { ...env, ...extra };
}

export function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = userEnv()): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** npm (or npx) from PATH; with userEnv's PATH it runs on the pinned Node 24. */
export function npm(args: readonly string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<Run> {
  return run('npm', args, cwd, env);
}

export function must(what: string, result: Run): Run {
  if (result.code !== 0) throw new Error(`${what} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  return result;
}

export interface Packed {
  tarball: string;
  /** Paths in the tarball, relative to the package root, sorted. */
  files: string[];
  size: number;
}

/** Builds kadmit's tarball into `dir` the way `npm pack` does (prepack: the build). */
export async function packKadmit(dir: string): Promise<Packed> {
  const stage = join(dir, 'stage');
  mkdirSync(stage, { recursive: true });
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
  writeFileSync(join(stage, 'package.json'), readFileSync(join(ROOT, 'package.json')));
  for (const entry of [...pkg.files, 'README.md', 'LICENSE']) {
    const from = join(ROOT, entry);
    if (existsSync(from) && entry !== 'dist/') cpSync(from, join(stage, entry), { recursive: true });
  }
  must('build', await run(process.execPath, [join(ROOT, 'scripts/build.ts'), '--no-check', '--dist', join(stage, 'dist')], ROOT));
  const packed = must('npm pack', await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], stage));
  const [info] = JSON.parse(packed.stdout) as { filename: string; size: number; files: { path: string }[] }[];
  return { tarball: join(dir, info!.filename), files: info!.files.map((f) => f.path).sort(), size: info!.size };
}

/** `npm install <tarball>` into a new folder, production dependencies only, as the image has it. */
export async function installKadmit(tarball: string, app: string): Promise<void> {
  mkdirSync(app, { recursive: true });
  writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'kadmit-app', private: true, type: 'module' }, null, 2)}\n`);
  must('npm install', await npm(['install', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', tarball], app));
}
