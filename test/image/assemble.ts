// Lays out the runtime filesystem the image's final stage copies: /app from the
// build stage, which is kadmit's packed tarball installed with production
// dependencies only (npm install --omit=dev), and Node's compile cache, which the
// compile-cache stage fills by running its RUN on that /app as the runtime user.
// Files are copied by npm, never linked, so a dependency missing from production
// cannot be found through the checkout. A policy image (the scaffold's
// Dockerfile) is laid out over it the same way: its layers, then its check stage.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execForm, parseCopy, POLICY_DOCKERFILE, readDockerfile, stageEnv, type Stage } from './dockerfile.ts';
import { sharedPackage } from '../helpers/shared-package.ts';
import { USER_NODE_OPTIONS } from '../helpers/package.ts';

/** The image's user (distroless "nonroot"). */
export const UID = 65532;
/** Switching to UID needs root and setpriv (util-linux); otherwise the current user runs the image's commands. */
export const AS_ROOT = process.getuid?.() === 0 && ['/usr/bin/setpriv', '/bin/setpriv'].some((p) => existsSync(p));

/** `argv` run as the image's user where the test can switch to it. */
export function asImageUser(argv: readonly string[]): string[] {
  return AS_ROOT ? ['setpriv', `--reuid=${UID}`, `--regid=${UID}`, '--clear-groups', '--no-new-privs', ...argv] : [...argv];
}

/** Where the image's paths are in the test's layout. */
export interface Layout {
  app: string;
  compileCache: string;
  /** The image's /tmp. */
  tmp: string;
}

/** An image path (or a word holding one) in the test's layout; the runtime's node is the test's. */
export function inLayout(word: string, layout: Layout): string {
  if (word === '/nodejs/bin/node') return process.execPath;
  // One mapping per word: the test's paths are themselves under /tmp.
  const [, root, rest] = /^(\/app|\/node-compile-cache|\/tmp)(\/.*)?$/.exec(word) ?? [];
  if (root === undefined) return word;
  return (root === '/app' ? layout.app : root === '/tmp' ? layout.tmp : layout.compileCache) + (rest ?? '');
}

/** What a stage takes from the image it is FROM: a policy image's stages are FROM kadmit's. */
export interface BaseImage {
  env: Record<string, string>;
  workdir: string;
}

const workdirOf = (stage: Stage): string | undefined => stage.instructions.findLast((i) => i.keyword === 'WORKDIR')?.args;

/** kadmit's image as a base: its final stage's environment and working directory. */
export function kadmitImage(): BaseImage {
  const runtime = readDockerfile().stages.at(-1)!;
  return { env: stageEnv(runtime), workdir: workdirOf(runtime) ?? '/' };
}

/** The environment a stage's ENV (over its base image's) gives its commands, with the paths in the test's layout. */
export function imageEnv(stage: Stage, layout: Layout, base?: BaseImage): Record<string, string> {
  const env = Object.fromEntries(Object.entries({ ...base?.env, ...stageEnv(stage) }).map(([k, v]) => [k, inLayout(v, layout)]));
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/home/nonroot', NODE_OPTIONS: USER_NODE_OPTIONS, ...env };
}

/** The stage the final stage copies the compile cache from; throws for a copy this file cannot lay out. */
function compileCacheStage(): Stage {
  const { stages } = readDockerfile();
  const byName = (name: string | undefined) => stages.find((s) => s.name === name);
  const copies = stages.at(-1)!.instructions.filter((i) => i.keyword === 'COPY').map(parseCopy);
  const app = copies.find((c) => c.sources.join() === '/app');
  const cache = copies.find((c) => c.sources.join() === '/node-compile-cache');
  if (copies.length !== 2 || !app || !cache || !byName(app.from) || !byName(cache.from)) {
    throw new Error(`the image copies ${copies.map((c) => c.sources.join(' ')).join(', ')}; teach test/image/assemble.ts to lay it out`);
  }
  return byName(cache.from)!;
}

/** Builds /app under `app`. */
export async function assembleRuntime(app: string): Promise<void> {
  compileCacheStage();
  // A copy: the caller makes it read-only. verbatimSymlinks keeps node_modules/.bin links inside the copy.
  cpSync((await sharedPackage()).app, app, { recursive: true, verbatimSymlinks: true });
}

/**
 * A stage that fills the compile cache (kadmit's compile-cache stage, or a policy
 * image's check stage, FROM kadmit's image) run on the laid-out, read-only /app:
 * its one exec-form RUN, as the image's user, with the stage's environment, in
 * its WORKDIR. The cache stays the user's (the images copy it with --chown: Node
 * writes its files readable by their owner only), writable for the run and
 * read-only after it, as a pod's root filesystem is.
 */
export function fillCompileCache(layout: Layout, stage: Stage = compileCacheStage(), base?: BaseImage): { stdout: string; stderr: string } {
  const runs = stage.instructions.filter((i) => i.keyword === 'RUN');
  const argv = runs.length === 1 ? execForm(runs[0]!) : undefined;
  if (!argv) throw new Error(`the ${stage.name ?? 'unnamed'} stage must have one exec-form RUN`);
  const workdir = workdirOf(stage) ?? base?.workdir ?? '/';
  if (AS_ROOT) chownSync(layout.compileCache, UID, UID);
  setWritable(layout.compileCache, true);
  const command = asImageUser(argv.map((a) => inLayout(a, layout)));
  const ran = spawnSync(command[0]!, command.slice(1), { cwd: inLayout(workdir, layout), env: imageEnv(stage, layout, base), encoding: 'utf8', timeout: 60_000 });
  setWritable(layout.compileCache, false);
  if (ran.status !== 0) throw new Error(`the ${stage.name ?? 'unnamed'} stage's RUN failed (${ran.error?.message ?? ran.status ?? ran.signal}):\n${ran.stdout}\n${ran.stderr}`);
  return { stdout: ran.stdout, stderr: ran.stderr };
}

/**
 * The scaffold's policy image over kadmit's layout: its final stage's COPY
 * layers (from the project, or from its build stage, which builds the project
 * in /src), then its check stage, which adds the project's modules to the
 * compile cache. Returns the paths the layers added.
 */
export function layPolicyImage(layout: Layout, project: string): string[] {
  const { stages } = readDockerfile(POLICY_DOCKERFILE);
  const copies = stages.at(-1)!.instructions.filter((i) => i.keyword === 'COPY').map(parseCopy);
  const check = stages.find((s) => s.name === copies.find((c) => c.sources.join() === '/node-compile-cache')?.from);
  if (!check) throw new Error(`${POLICY_DOCKERFILE}: no stage makes /node-compile-cache; teach test/image/assemble.ts`);
  const added: string[] = [];
  for (const c of copies) {
    if (c.from === check.name) continue; // filled in place below
    const [source] = c.sources;
    if (c.sources.length !== 1 || (c.from !== undefined && (c.from !== 'build' || !source!.startsWith('/src/')))) {
      throw new Error(`${POLICY_DOCKERFILE}: COPY ${c.from ? `--from=${c.from} ` : ''}${c.sources.join(' ')}; teach test/image/assemble.ts to lay it out`);
    }
    const dest = inLayout(c.dest, layout);
    cpSync(join(project, c.from === undefined ? source! : source!.slice('/src/'.length)), dest, { recursive: true });
    added.push(dest);
  }
  for (const path of added) setWritable(path, false);
  fillCompileCache(layout, check, kadmitImage());
  return added;
}

/** chmod -R a-w (or back to u+w): the image's filesystem is read-only for kadmit. */
export function setWritable(path: string, writable: boolean): void {
  const st = statSync(path);
  const mode = writable ? st.mode | 0o200 : st.mode & ~0o222;
  if (st.isDirectory()) {
    if (writable) chmodSync(path, mode);
    for (const entry of readdirSync(path)) setWritable(join(path, entry), writable);
    if (!writable) chmodSync(path, mode);
  } else {
    chmodSync(path, mode);
  }
}
