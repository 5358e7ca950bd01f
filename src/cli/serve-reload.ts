// One reload of `kadmit serve --watch`: read the configuration again, load the
// webhooks anew, start a new worker pool with them, and only once it serves
// swap both in: new reviews go to the new code, the old pool finishes what it
// holds. Anything that fails keeps the server on the code it had, with one
// error line saying which file and what is wrong; the next save tries again.
import type { Logger } from 'pino';
import { loadWebhooks } from '../webhooks/load.ts';
import type { WebhookTable } from '../webhooks/table.ts';
import type { PoolGenerations } from '../workers/generations.ts';
import type { WorkerPool } from '../workers/pool.ts';
import type { Webhook } from '../model/webhook.ts';
import { SERVE_OPTIONS, type ServeConfig } from '../config/options.ts';
import type { ResolvedServeConfig } from '../config/load.ts';
import { UsageError, errorMessage } from '../errors.ts';

/** What a reload may change; any other setting takes a restart. */
const RELOADED_KEYS = ['webhooks', 'settings', 'crds', 'celCostLimit', 'logObjects', 'workers', 'workerHeapMb'] as const satisfies readonly (keyof ServeConfig)[];

export interface ReloadTarget {
  webhooks: WebhookTable;
  pools: PoolGenerations;
}

export interface ReloaderOptions {
  /** The configuration as `serve` resolved it at start (flags, environment, file). */
  config: ResolvedServeConfig;
  /** Resolves it again, reading the file anew; throws on an invalid one. */
  loadConfig(): ResolvedServeConfig;
  createPool(config: ServeConfig, webhooks: readonly Webhook[]): WorkerPool;
  target: ReloadTarget;
  log: Logger;
}

export type Reload = (changed: readonly string[]) => Promise<boolean>;

/** A reload function; true when the new code now serves. Calls must not overlap (the watcher runs one at a time). */
export function createReloader(options: ReloaderOptions): Reload {
  const { target, log } = options;
  let current = options.config;
  let generation = 1;
  const routes = new Set(target.webhooks.all.map((w) => w.path));

  return async (changed) => {
    const started = performance.now();
    generation++;
    let pool: WorkerPool | undefined;
    try {
      const next = options.loadConfig();
      const kept = restartOnly(current, next);
      if (next.workers === 0) throw new UsageError('workers: 0 runs handlers on the main thread, which --watch cannot reload; keep at least one worker');
      const webhooks = (await loadWebhooks(next.webhooks, next.settings as Record<string, unknown>, undefined, `?kadmit-reload=${generation}`)).map((l) => l.webhook);
      const added = webhooks.map((w) => w.path).filter((path) => !routes.has(path));
      if (added.length > 0) throw new UsageError(`new webhook path(s) ${added.join(', ')}: the listener's routes are fixed when it starts; restart kadmit serve to serve them`);
      const loadedMs = performance.now() - started;
      pool = options.createPool(next, webhooks);
      // It serves from its first ready worker on, as at start-up; the others join as they boot.
      await pool.start();
      target.webhooks.replace(webhooks);
      target.pools.swap(pool);
      current = { ...current, ...pick(next, RELOADED_KEYS) };
      if (kept.length > 0) log.warn({ settings: kept }, `reload: ${kept.join(', ')} changed, which only a restart applies; kept as they were`);
      log.info({ changed, generation, webhooks: webhooks.map((w) => `${w.type} ${w.name} ${w.path}`), tookMs: Math.round(performance.now() - started), loadedMs: Math.round(loadedMs) },
        'reloaded: new reviews go to the new code; the previous workers finish theirs');
      return true;
    } catch (err) {
      await pool?.close();
      log.error({ changed, problem: describeFailure(err) }, `reload failed, still serving the code loaded before: ${describeFailure(err)}`);
      return false;
    }
  };
}

/** Settings that differ and are not reloaded (the project-only settings are not serve's). */
export function restartOnly(before: ServeConfig, after: ServeConfig): string[] {
  const reloaded = new Set<string>(RELOADED_KEYS);
  return SERVE_OPTIONS.map((o) => o.key)
    .filter((key) => !reloaded.has(key) && JSON.stringify(before[key]) !== JSON.stringify(after[key]));
}

function pick<K extends keyof ServeConfig>(config: ServeConfig, keys: readonly K[]): Pick<ServeConfig, K> {
  return Object.fromEntries(keys.map((k) => [k, config[k]])) as Pick<ServeConfig, K>;
}

/**
 * The error, with the file and line of a syntax error when the engine gives them
 * (the first line of its stack): the module that failed may be one the webhook
 * module imports, not the one named in the message.
 */
function describeFailure(err: unknown): string {
  const message = errorMessage(err);
  let cause: unknown = err;
  while (cause instanceof Error && !(cause instanceof SyntaxError)) cause = cause.cause;
  const where = cause instanceof SyntaxError ? /^(\S+:\d+)$/m.exec(cause.stack?.split('\n')[0] ?? '')?.[1] : undefined;
  return where && !message.includes(where) ? `${message} (at ${where})` : message;
}
