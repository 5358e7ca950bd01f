// `kadmit serve --watch`: watches what the server loaded (the webhook modules and
// the project files they import, the config file, CRD files) and reloads on a
// change. One reload at a time: a change during a reload makes one more after it.
// After each reload the watched set is worked out again (a module may import a
// new helper): a file beside those watched counts from then on, and a new
// directory is watched anew.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { resolveWebhookModule } from '../webhooks/load.ts';
import { isModulePath } from '../webhooks/module-spec.ts';
import type { ResolvedServeConfig } from '../config/load.ts';
import { UsageError } from '../errors.ts';
import { watchAndRun } from './watch.ts';
import { localImports } from './local-imports.ts';
import type { Reload } from './serve-reload.ts';

/** Most files watched: module files and their imports, the config file, CRDs. */
const MAX_WATCHED_FILES = 500;

/** The files a running server depends on and a reload reads again. */
function watchedFiles(config: ResolvedServeConfig, cwd = process.cwd()): string[] {
  const modules = config.webhooks.filter(isModulePath).map((spec) => fileURLToPath(resolveWebhookModule(spec, cwd)));
  const root = config.configFile ? dirname(resolve(cwd, config.configFile)) : cwd;
  const code = localImports(modules, { root, maxFiles: MAX_WATCHED_FILES });
  const data = [...(config.configFile ? [config.configFile] : []), ...config.crds].map((f) => resolve(cwd, f)).filter((f) => existsSync(f));
  return [...new Set([...code, ...data])];
}

export interface ServeWatch {
  stop(): Promise<void>;
}

export interface ServeWatchOptions {
  /** The files to watch at start: what checkWatchable() returned for the configuration served. */
  files: readonly string[];
  /** Resolves the configuration again (reads the file anew), to find what to watch after a reload. */
  loadConfig(): ResolvedServeConfig;
  reload: Reload;
  log: Logger;
}

/** Refuses --watch where it cannot work; the files it would watch otherwise. */
export function checkWatchable(config: ResolvedServeConfig): string[] {
  if (config.workers === 0) {
    throw new UsageError('--watch needs review workers: with --workers 0 handlers run on the main thread, where a changed module cannot be loaded again with what it imports');
  }
  const files = watchedFiles(config);
  if (files.length === 0) throw new UsageError('--watch: nothing to watch (only built-in webhooks, no config file, no CRD files)');
  return files;
}

export function startServeWatch(options: ServeWatchOptions): ServeWatch {
  const { log } = options;
  let files = [...options.files];
  let controller = new AbortController();
  let watching: Promise<void> = Promise.resolve();
  let stopped = false;

  const watchNow = () => {
    const signal = controller.signal;
    watching = watchAndRun({
      paths: files,
      runAtStart: false,
      signal,
      accepts: (file) => files.includes(file),
      // Worked out again after a failed reload too: the save that failed may import a new file, whose fix must be seen.
      run: async (changed) => {
        await options.reload(changed);
        if (stopped) return;
        const next = nextFiles();
        if (next === undefined || sameFiles(next, files)) return;
        const newDirectory = !sameFiles(directoriesOf(next), directoriesOf(files));
        files = next;
        log.info({ files }, 'watching a changed set of files');
        if (!newDirectory) return;
        controller.abort();
        controller = new AbortController();
        watchNow();
      },
    });
  };
  const nextFiles = (): string[] | undefined => {
    try {
      return watchedFiles(options.loadConfig());
    } catch {
      return undefined; // an invalid config file: the reload logged it, and it is watched already
    }
  };

  watchNow();
  log.warn({ files }, `--watch is on: ${files.length} file(s) are watched and reloaded on change; this is for development, not for a cluster`);
  return {
    async stop() {
      stopped = true;
      controller.abort();
      await watching;
    },
  };
}

function directoriesOf(files: readonly string[]): string[] {
  return [...new Set(files.map((f) => dirname(f)))];
}

function sameFiles(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((f) => b.includes(f));
}
