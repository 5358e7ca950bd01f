// Starts the servers under test, each pinned to its cpus, with output
// to temp files (kadmit's per-review log lines land there, as they would in a
// container's log file) so a failure can show what the server said.
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { BenchError } from './errors.ts';
import { REPO_ROOT, type SharedBench } from './paths.ts';
import { runCaptured, spawnTracked, stopChild } from './procs.ts';
import { serverCpus, type ServerSpec } from './scenarios.ts';
import { servingAt } from './memory.ts';

export interface ServerContext {
  tmp: string;
  certDir: string;
  /** The shared peers; absent when only kadmit is started (bench/signal-cost.ts run alone). */
  shared: SharedBench | undefined;
  goBinary: string | undefined;
  /** Pin servers with taskset (false on a machine with fewer than 2 CPUs). */
  pin: boolean;
  /** The entry each kadmit checkout under test runs (buildCommandLine); absent: its bin/kadmit.js. */
  entries?: ReadonlyMap<string, string>;
}

export interface RunningServer {
  key: string;
  port: number;
  /** kadmit's plain-HTTP ops listener (/metrics). */
  opsPort: number | undefined;
  command: string[];
  child: ChildProcess;
  stdoutFile: string;
  stderrFile: string;
  /** Requests sent by wrk (warm-up included), to turn log bytes into bytes per review. */
  requestsServed: number;
  /** When the process was spawned (ms since epoch): start-up time counts from here. */
  spawnedAt: number;
}

export function serverKey(spec: ServerSpec): string {
  const name = spec.kind === 'kadmit' ? [spec.root ?? 'kadmit', ...spec.flags].join(' ') : spec.kind;
  return `${name} @cpu ${serverCpus(spec)}${spec.instance === undefined ? '' : ` (${spec.instance})`}`;
}

/** A port the kernel just handed out on loopback; free again by the time the server binds it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

// Scenario flags are the whole configuration: a KADMIT_* variable in the
// caller's shell would silently change what is measured.
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KADMIT_')));
}

/** The bundled command line `npm run build` makes: what the package and the image run. */
const BUILT_ENTRY = 'dist/cli-bundle/main.js';

/**
 * The ways to start kadmit from `root` that a start-up measurement compares: the
 * sources (as `npm start` runs), the kadmit command in a checkout (bin/kadmit.js,
 * which runs the sources too, with the compile cache on before the CLI is read)
 * and, once `npm run build` has run, the bundled command line.
 */
export function startEntries(root: string): string[] {
  const built = join(root, BUILT_ENTRY);
  return [join(root, 'src/cli/main.ts'), join(root, 'bin/kadmit.js'), ...(existsSync(built) ? [built] : [])];
}

export const entryLabel = (entry: string): string => (entry.endsWith('.ts') ? 'sources   ' : entry.includes('/bin/') ? 'npx kadmit' : 'dist      ');

/**
 * The environment to start `entry` in: the built command line as the image runs
 * it, without the checkout's `kadmit-source` condition (.npmrc), which would load
 * the policies' `kadmit` import from src/.
 */
export function entryEnv(entry: string): NodeJS.ProcessEnv {
  const env = cleanEnv();
  if (entry.endsWith(BUILT_ENTRY)) env['NODE_OPTIONS'] = (env['NODE_OPTIONS'] ?? '').replace('--conditions=kadmit-source', '').trim();
  return env;
}

/** bin/kadmit.js, or src/cli/main.ts in a checkout from before the command had one. */
function kadmitEntry(root: string): string {
  const bin = join(root, 'bin', 'kadmit.js');
  return existsSync(bin) ? bin : join(root, 'src', 'cli', 'main.ts');
}

/** How long compiling and bundling one checkout may take. */
const BUILD_TIMEOUT_MS = 180_000;

/**
 * Builds the checkout at `root` as the package ships it (its scripts/build.ts,
 * without the type check) and returns the bundled command line's entry: the
 * bench measures what users run. A checkout without that script runs from its
 * sources (kadmitEntry).
 */
export async function buildCommandLine(root: string): Promise<string> {
  const build = join(root, 'scripts', 'build.ts');
  if (!existsSync(build)) return kadmitEntry(root);
  const done = await runCaptured(process.execPath, [build, '--no-check'], { cwd: root, env: cleanEnv() }, BUILD_TIMEOUT_MS);
  if (done.code !== 0) throw new BenchError(`building ${root} failed (exit ${done.code}):\n${(done.stderr || done.stdout).trim()}`);
  return join(root, BUILT_ENTRY);
}

const entryOf = (root: string, ctx?: Pick<ServerContext, 'entries'>) => ctx?.entries?.get(root) ?? kadmitEntry(root);

function commandFor(spec: ServerSpec, port: number, opsPort: number | undefined, ctx: ServerContext): string[] {
  const addr = `127.0.0.1:${port}`;
  const cert = join(ctx.certDir, 'tls.crt');
  const key = join(ctx.certDir, 'tls.key');
  switch (spec.kind) {
    case 'kadmit':
      // The built command line (buildCommandLine), or the kadmit command as `npx kadmit` runs
      // it (bin/kadmit.js: the compile cache is on before the CLI loads).
      return [process.execPath, entryOf(spec.root ?? REPO_ROOT, ctx), 'serve',
        '--webhook-address', addr, '--ops-address', `127.0.0.1:${opsPort}`, '--cert-dir', ctx.certDir, ...spec.flags];
    case 'nodelimit':
      if (!ctx.shared) throw new BenchError('the nodelimit peer needs ../shared/bench');
      return [process.execPath, ctx.shared.nodelimit, addr, cert, key];
    case 'go':
      if (!ctx.goBinary) throw new BenchError('the Go peer was not built');
      return [ctx.goBinary, addr, cert, key];
  }
}

/** How long the compile-cache warm-up may take to serve, and then to exit (a start that hangs is the measured start's to report). */
const WARM_TIMEOUT_MS = 30_000;

/**
 * Starts kadmit from `root` once and stops it as soon as it serves, before any
 * measured start. Node writes its compile cache when a process exits, one entry
 * per file: after a source file is edited, the next start has no entry for it,
 * loads Node's TypeScript stripper and compiles again, and its idle memory and
 * start-up read high (measured: idle 126 MiB against the baseline's 110 in a
 * run right after an edit; `--workers 2` 133, where runs with a warm cache read
 * 121-123). Resolves to the ms it took, or undefined when it did not serve in
 * time (it is stopped either way).
 */
export async function warmCompileCache(root: string, certDir: string, entry = kadmitEntry(root), env: NodeJS.ProcessEnv = entryEnv(entry)): Promise<number | undefined> {
  const started = Date.now();
  const args = [entry, 'serve', '--webhook-address', '127.0.0.1:0', '--ops-address', '127.0.0.1:0', '--cert-dir', certDir, '--drain-delay-ms', '0', '--webhook', 'builtin:require-memory-limits'];
  const child = spawnTracked(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'ignore'] });
  child.once('error', () => {}); // an exit all the same
  const exited = new Promise<false>((resolve) => child.once('exit', () => resolve(false)));
  let out = '';
  const serving = new Promise<true>((resolve) => child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    if (servingAt(out) !== undefined) resolve(true);
  }));
  const served = await within(Promise.race([serving, exited]), WARM_TIMEOUT_MS);
  // SIGTERM, not SIGKILL: the cache is written as the process exits.
  child.kill('SIGTERM');
  if ((await within(exited.then(() => true), WARM_TIMEOUT_MS)) !== true) await stopChild(child);
  return served === true ? Date.now() - started : undefined;
}

/** `work`'s value, or undefined once `ms` have passed. */
async function within<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** How long a peer waits for kadmit's serving pair to reach the disk. */
const SERVING_PAIR_WAIT_MS = 5_000;

/**
 * True once kadmit's serving pair is in `certDir`. kadmit serves a new pair
 * before its store has written it (the write follows at once), so a first
 * start can answer the bench's probe a moment before tls.crt exists.
 */
export async function servingPairWritten(certDir: string, waitMs = SERVING_PAIR_WAIT_MS): Promise<boolean> {
  const written = () => existsSync(join(certDir, 'tls.crt')) && existsSync(join(certDir, 'tls.key'));
  for (const until = Date.now() + waitMs; !written(); ) {
    if (Date.now() >= until) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

export async function launchServer(spec: ServerSpec, index: number, ctx: ServerContext): Promise<RunningServer> {
  if (spec.kind !== 'kadmit' && !(await servingPairWritten(ctx.certDir))) {
    throw new BenchError(`a peer needs the certificate kadmit creates, and ${ctx.certDir} has no tls.crt and tls.key ${SERVING_PAIR_WAIT_MS / 1000} s after kadmit answered: start a kadmit scenario first`);
  }
  const port = await freePort();
  const opsPort = spec.kind === 'kadmit' ? await freePort() : undefined;
  const command = commandFor(spec, port, opsPort, ctx);
  const stdoutFile = join(ctx.tmp, `server-${index}.stdout`);
  const stderrFile = join(ctx.tmp, `server-${index}.stderr`);
  const out = openSync(stdoutFile, 'w');
  const err = openSync(stderrFile, 'w');
  const pinned = ctx.pin ? ['taskset', '-c', serverCpus(spec), ...command] : command;
  const spawnedAt = Date.now();
  const root = spec.kind === 'kadmit' ? spec.root ?? REPO_ROOT : REPO_ROOT;
  const env = spec.kind === 'kadmit' ? entryEnv(entryOf(root, ctx)) : cleanEnv();
  const child = spawnTracked(pinned[0]!, pinned.slice(1), { cwd: root, env, stdio: ['ignore', out, err] });
  closeSync(out);
  closeSync(err);
  child.once('error', () => {}); // reported by the readiness wait as an early exit
  return { key: serverKey(spec), port, opsPort, command, child, stdoutFile, stderrFile, requestsServed: 0, spawnedAt };
}

export function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export function describeFailure(s: RunningServer): string {
  return `  command: ${s.command.join(' ')}\n  stderr:\n${tail(s.stderrFile)}\n  stdout:\n${tail(s.stdoutFile)}`;
}

export function bytesLogged(s: RunningServer): number {
  try {
    return statSync(s.stdoutFile).size;
  } catch {
    return 0;
  }
}

export const GO = '/usr/lib/go-1.19/bin/go';

/** Builds ../shared/bench/gopeer into the temp dir; undefined (with the reason) when it cannot. */
export async function buildGoPeer(ctx: { tmp: string; shared: SharedBench }): Promise<{ binary?: string; note: string }> {
  if (!existsSync(GO)) return { note: `skipped: ${GO} not found (apt-get install -y golang-1.19-go adds it)` };
  const binary = join(ctx.tmp, 'gopeer');
  // Output goes to the temp dir: the shared tree is read-only.
  const built = await runCaptured(GO, ['build', '-o', binary, '.'], { cwd: ctx.shared.gopeerDir }, 300_000);
  if (built.code !== 0) return { note: `skipped: go build failed: ${(built.stderr || built.stdout).trim()}` };
  return { binary, note: `built with ${GO}` };
}
