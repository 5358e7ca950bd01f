// --watch (replay and serve): run whenever a watched file changes. Changes are
// debounced (an editor's save is several events) and a change during a run
// queues one more run after it, never two at once.
import { watch, type FSWatcher } from 'node:fs';
import { statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface WatchOptions {
  /** Files and directories (watched recursively). */
  paths: readonly string[];
  /** Names that count as a change of a watched file, besides its own (e.g. its sidecar). */
  companions?(file: string): string[];
  /** Ignore changes to files for which this returns false (directories only). */
  relevant?(file: string): boolean;
  /**
   * Whether a change to a file beside a watched file counts (default: it is one
   * of the files given, or a companion). Asked at each change, so the caller can
   * change its set of files without a gap while their directories stay the same.
   */
  accepts?(file: string): boolean;
  debounceMs?: number;
  /** Run once before any change (replay's first run); default true. */
  runAtStart?: boolean;
  run(changed: readonly string[]): Promise<void>;
  signal: AbortSignal;
}

export function watchAndRun(options: WatchOptions): Promise<void> {
  const debounceMs = options.debounceMs ?? 150;
  const watchers: FSWatcher[] = [];
  let changed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;

  const start = () => {
    const batch = [...changed];
    changed = new Set();
    running = options.run(batch).finally(() => {
      running = undefined;
      if (again && !options.signal.aborted) {
        again = false;
        start();
      }
    });
  };
  const onChange = (file: string) => {
    changed.add(file);
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (running) again = true;
      else start();
    }, debounceMs);
  };

  // A directory is watched recursively; a file through its directory, since
  // editors often save by replacing the file, which ends a watch on the file itself.
  const dirs = new Map<string, Set<string> | 'all'>();
  for (const path of options.paths) {
    if (statSync(path).isDirectory()) dirs.set(path, 'all');
    else {
      const dir = dirname(path);
      const names = dirs.get(dir);
      if (names === 'all') continue;
      const set = names ?? new Set<string>();
      set.add(basename(path));
      for (const c of options.companions?.(path) ?? []) set.add(basename(c));
      dirs.set(dir, set);
    }
  }
  for (const [dir, names] of dirs) {
    const w = watch(dir, { recursive: names === 'all' }, (_event, name) => {
      if (name === null) return;
      const file = join(dir, name.toString());
      if (names === 'all' ? (options.relevant?.(file) ?? true) : (options.accepts?.(file) ?? names.has(basename(file)))) onChange(file);
    });
    watchers.push(w);
  }

  if (options.runAtStart ?? true) start();
  return new Promise((resolve) => {
    const stop = () => {
      clearTimeout(timer);
      for (const w of watchers) w.close();
      void (running ?? Promise.resolve()).then(() => resolve());
    };
    if (options.signal.aborted) stop();
    else options.signal.addEventListener('abort', stop, { once: true });
  });
}
