// Lays out the runtime filesystem the image's final stage copies: /app from the
// build stage, which is kadmit's packed tarball installed with production
// dependencies only (npm install --omit=dev), and Node's compile cache, which the
// compile-cache stage fills by running its RUN on that /app as the runtime user.
// Files are copied by npm, never linked, so a dependency missing from production
// cannot be found through the checkout.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execForm, parseCopy, readDockerfile, stageEnv, type Stage } from './dockerfile.ts';
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

/** The environment a stage's ENV gives its commands, with the paths in the test's layout. */
export function imageEnv(stage: Stage, layout: Layout): Record<string, string> {
  const env = Object.fromEntries(Object.entries(stageEnv(stage)).map(([k, v]) => [k, inLayout(v, layout)]));
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/home/nonroot', NODE_OPTIONS: USER_NODE_OPTIONS, ...env };
}

/** The final stage's copies, by source; throws for one this file cannot lay out. */
function runtimeCopies(): { app: Stage; compileCache: Stage } {
  const { stages } = readDockerfile();
  const byName = (name: string | undefined) => stages.find((s) => s.name === name);
  const copies = stages.at(-1)!.instructions.filter((i) => i.keyword === 'COPY').map(parseCopy);
  const app = copies.find((c) => c.sources.join() === '/app');
  const cache = copies.find((c) => c.sources.join() === '/node-compile-cache');
  if (copies.length !== 2 || !app || !cache || !byName(app.from) || !byName(cache.from)) {
    throw new Error(`the image copies ${copies.map((c) => c.sources.join(' ')).join(', ')}; teach test/image/assemble.ts to lay it out`);
  }
  return { app: byName(app.from)!, compileCache: byName(cache.from)! };
}

/** Builds /app under `app`. */
export async function assembleRuntime(app: string): Promise<void> {
  runtimeCopies();
  // A copy: the caller makes it read-only. verbatimSymlinks keeps node_modules/.bin links inside the copy.
  cpSync((await sharedPackage()).app, app, { recursive: true, verbatimSymlinks: true });
}

/**
 * The compile-cache stage on the laid-out (read-only) /app: its one RUN, as the
 * image's user, with the stage's environment, in its WORKDIR. The cache stays
 * the user's (the final stage copies it with --chown: Node writes its files
 * readable by their owner only) and is made read-only, as a pod's root
 * filesystem is.
 */
export function fillCompileCache(layout: Layout): { stdout: string; stderr: string } {
  const stage = runtimeCopies().compileCache;
  const runs = stage.instructions.filter((i) => i.keyword === 'RUN');
  const argv = runs.length === 1 ? execForm(runs[0]!) : undefined;
  if (!argv) throw new Error('the compile-cache stage must have one exec-form RUN');
  const workdir = stage.instructions.findLast((i) => i.keyword === 'WORKDIR')?.args ?? '/';
  if (AS_ROOT) chownSync(layout.compileCache, UID, UID);
  const command = asImageUser(argv.map((a) => inLayout(a, layout)));
  const ran = spawnSync(command[0]!, command.slice(1), { cwd: inLayout(workdir, layout), env: imageEnv(stage, layout), encoding: 'utf8', timeout: 60_000 });
  if (ran.status !== 0) throw new Error(`the compile-cache stage's RUN failed (${ran.error?.message ?? ran.status ?? ran.signal}):\n${ran.stdout}\n${ran.stderr}`);
  setWritable(layout.compileCache, false);
  return { stdout: ran.stdout, stderr: ran.stderr };
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
