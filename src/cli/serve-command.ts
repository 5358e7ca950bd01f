// `kadmit serve` from the command line: configuration, logger, signals, --watch, --check.
// Only what starts the pool's first worker is imported up front: it loads kadmit's
// modules on its thread while this one reads the configuration and loads the rest.
import { WarmWorkers } from '../workers/warm-start.ts';
import { createThread } from '../workers/worker-slot.ts';
import { workerSetup } from '../workers/protocol.ts';
import { DEFAULT_WORKER_HEAP_MB, workerResourceLimits } from '../config/worker-limits.ts';
import type { Reload } from './serve-reload.ts';
import type { ServeConfig } from '../config/options.ts';
import type { Webhook } from '../model/webhook.ts';
import type { ServeWatch } from './serve-watch.ts';
import type { CliIo } from './io.ts';
import { KadmitError, UsageError } from '../errors.ts';
import { parseGoDuration } from '../admission/deadline.ts';

const WATCH_HELP = [
  'reload when a webhook module (or a project file it imports), the config file or a CRD file',
  'changes: new reviews go to workers that loaded the new code, the old workers finish theirs;',
  'a change that fails to load is logged and the old code keeps serving. For development. Needs',
  'workers (refused with --workers 0); listener, certificate and timeout settings and new webhook',
  'paths take a restart',
];

const CHECK_HELP = [
  'start as serve does (configuration, webhook modules and their settings, CRDs, review workers,',
  'certificates, both listeners, the TLS self-check), then shut down at once and exit 0; exit',
  'non-zero with the reason when a step fails. For CI, and for image builds: the image runs it',
  "once to fill Node's compile cache, so that a pod's start does not compile kadmit's modules.",
  'It fails if kadmit does not serve within --check-timeout (a Go duration, default 2m): a step',
  'that waits for ever (an unreachable certificate Secret) fails the check instead of hanging it',
];

/** How long `--check` waits for kadmit to serve: start-up takes about a second; an emulated image build far longer. */
const DEFAULT_CHECK_TIMEOUT = '2m';

/** Lines of help under a heading, the first with the flag, in the column of the other flags' help. */
function helpSection(heading: string, flag: string, lines: readonly string[], column: number): string {
  return `${heading}:\n${lines.map((line, i) => (i === 0 ? `  ${flag}`.padEnd(column) : ' '.repeat(column)) + line).join('\n')}`;
}

/** serve's help with --watch and --check. */
async function helpWithCommandFlags(): Promise<string> {
  const help = (await import('../config/load.ts')).serveHelp();
  const column = /^ {2}--help +/m.exec(help)?.[0].length ?? 0;
  return `${help}\n\n${helpSection('Development', '--watch', WATCH_HELP, column)}\n\n${helpSection('Checking', '--check', CHECK_HELP, column)}`;
}

/** After a reload, when the workers it used up are started again. */
const REFILL_AFTER_MS = 1_000;

/** Its help goes to `io`; once serving, its logs go to the process's stdout (a pino destination for the life of the process). */
export async function run(argv: string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(`${await helpWithCommandFlags()}\n`);
    return 0;
  }
  const { watch, check, serveArgv } = commandFlags(argv);
  // The pool's first worker boots while this thread reads the configuration and loads the
  // server and the webhooks (started after the configuration it began ~230 ms into the
  // process; now ~90 ms). One only: the others boot once it is ready (pool.ts), as more
  // threads loading at once slow this one down on two cores.
  let early = startFirstWorker(serveArgv, process.env);
  const read = await readConfiguration(serveArgv, watch).catch(async (err: unknown) => {
    await early?.close(); // a running thread would keep the process from exiting
    throw err;
  });
  const { loadConfig, serveWatch, watchFiles } = read;
  // A check has no traffic to drain: once it serves, it stops.
  const config = check ? { ...read.config, drainDelayMs: 0 } : read.config;
  if (config.workers === 0) {
    await early?.close();
    early = undefined;
  }
  const [{ createLogger }, { prettyDestination }, { startTracing }] = await Promise.all([
    import('../observability/logger.ts'), import('../observability/pretty-log.ts'), import('../observability/tracing/start.ts'),
  ]);
  const pretty = config.logFormat === 'pretty' ? prettyDestination(process.stdout, { colors: process.stdout.isTTY && !process.env.NO_COLOR }) : undefined;
  const log = createLogger(config.logLevel, pretty);
  // Tracing is off unless OTEL_* asks for an exporter. Once that is known the first
  // worker has its whole setup and loads the webhooks while this thread loads the
  // server; the pool then only hands it its shared memory. Closing `early` stops
  // the workers the pool did not take: none, unless start-up failed.
  const starting = startTracing(process.env, log)
    .then(async () => {
      early?.prepare(workerSetup(config));
      const { startServer } = await import('./serve.ts');
      return startServer(config, log, early?.createWorker);
    })
    .finally(() => early?.close());
  const server = await (check ? servingBy(starting, check) : starting);
  if (check) {
    log.info('check passed: kadmit served; shutting down (--check)');
    await server.shutdown();
    return 0;
  }
  let watcher: ServeWatch | undefined;
  let warm: WarmWorkers | undefined;
  if (serveWatch && server.pools) {
    const [{ createReloader }, { createServePool }] = await Promise.all([import('./serve-reload.ts'), import('./serve-pool.ts')]);
    // A reload's pool is made of workers started ahead: it serves as soon as the policy modules load.
    warm = new WarmWorkers({
      count: config.workers + 1,
      resourceLimits: workerResourceLimits(config.workerHeapMb),
      fallback: createThread,
      loaded: (count) => log.info({ workers: count }, '--watch: workers started ahead are ready; the next reload only loads the policy modules'),
    });
    warm.refill();
    const createPool = (c: ServeConfig, webhooks: readonly Webhook[]) => createServePool(c, webhooks, server.metrics, log, warm!.createWorker);
    const reloadOnce = createReloader({ config, loadConfig, createPool, target: { webhooks: server.webhooks, pools: server.pools }, log });
    // Refilled a little later: starting threads competes with the new workers' first (cold) reviews.
    const reload: Reload = (changed) => reloadOnce(changed).finally(() => setTimeout(() => warm!.refill(), REFILL_AFTER_MS).unref());
    watcher = serveWatch.startServeWatch({ files: watchFiles, loadConfig, reload, log });
  }
  return new Promise<number>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      log.info({ signal }, 'signal received');
      // shutdown() is bounded by the grace period; this only stops a handle it does not know from holding the process.
      setTimeout(() => process.exit(process.exitCode ?? 0), config.shutdownGraceMs + 1_000).unref();
      // A reload still loading when the pools close is dropped (logged as failed).
      Promise.all([watcher?.stop(), warm?.close(), server.shutdown()]).then(
        () => resolve(0),
        (err: unknown) => {
          log.error({ err }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}

/** The configuration (and what `--watch` watches), refused before anything listens. */
async function readConfiguration(argv: readonly string[], watch: boolean) {
  const { loadServeConfig } = await import('../config/load.ts');
  const loadConfig = () => loadServeConfig(argv, process.env);
  const config = loadConfig();
  const serveWatch = watch ? await import('./serve-watch.ts') : undefined;
  return { config, loadConfig, serveWatch, watchFiles: serveWatch?.checkWatchable(config) ?? [] };
}

/**
 * Starts the pool's first worker before the configuration is read, with the limits
 * the command line or environment give (`--worker-heap-mb`, else the default). None
 * when they say `--workers 0`. A config file that sets other limits or no workers
 * costs one worker start that is thrown away.
 */
function startFirstWorker(argv: readonly string[], env: NodeJS.ProcessEnv): WarmWorkers | undefined {
  const workers = flagValue(argv, 'workers') ?? env.KADMIT_WORKERS;
  if (workers !== undefined && workers.trim() !== '' && Number(workers) === 0) return undefined;
  const heap = Number(flagValue(argv, 'worker-heap-mb') ?? env.KADMIT_WORKER_HEAP_MB ?? DEFAULT_WORKER_HEAP_MB);
  // A value the configuration will refuse: start-up fails there, and closes this worker.
  const heapMb = Number.isInteger(heap) && heap >= 0 ? heap : DEFAULT_WORKER_HEAP_MB;
  const warm = new WarmWorkers({ count: 1, resourceLimits: workerResourceLimits(heapMb), fallback: createThread });
  warm.refill();
  return warm;
}

interface Check {
  /** ms since epoch: serving by then, or the check fails. */
  deadline: number;
  /** --check-timeout as given, for the message. */
  timeout: string;
}

/** --watch and --check (with --check-timeout) taken out of serve's arguments; the rest are the configuration's. */
function commandFlags(argv: readonly string[]): { watch: boolean; check?: Check; serveArgv: string[] } {
  const watch = argv.includes('--watch');
  const checking = argv.includes('--check');
  if (watch && checking) throw new UsageError('--check starts and stops once; it cannot be combined with --watch');
  const { value: timeout, rest } = takeFlag(argv, 'check-timeout');
  if (timeout !== undefined && !checking) throw new UsageError('--check-timeout is for --check');
  const timeoutMs = parseGoDuration(timeout ?? DEFAULT_CHECK_TIMEOUT);
  if (timeoutMs === undefined || timeoutMs <= 0) throw new UsageError(`--check-timeout: expected a Go duration such as 30s or 2m, got ${JSON.stringify(timeout)}`);
  const check = checking ? { deadline: Date.now() + timeoutMs, timeout: timeout ?? DEFAULT_CHECK_TIMEOUT } : undefined;
  return { watch, ...(check && { check }), serveArgv: rest.filter((a) => a !== '--watch' && a !== '--check') };
}

/**
 * `--check` fails once its time is up: the command ends there (its caller exits
 * the process), whatever start-up step is still waiting.
 */
function servingBy<T>(starting: Promise<T>, check: Check): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KadmitError('KADMIT_CHECK_TIMEOUT', `kadmit serve --check: not serving after ${check.timeout} (--check-timeout); the log shows the last start-up step it reached`)), Math.max(0, check.deadline - Date.now()));
  });
  return Promise.race([starting, late]).finally(() => clearTimeout(timer));
}

/** `--name value` or `--name=value` taken out of `argv` (the last one wins); a `--name` without a value is refused. */
function takeFlag(argv: readonly string[], name: string): { value?: string; rest: string[] } {
  let value: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === `--${name}`) {
      if (i + 1 >= argv.length || argv[i + 1]!.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      value = argv[++i];
    } else if (arg.startsWith(`--${name}=`)) value = arg.slice(name.length + 3);
    else rest.push(arg);
  }
  return value === undefined ? { rest } : { value, rest };
}

/** The last value given to `--name` (as `--name value` or `--name=value`). */
function flagValue(argv: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  argv.forEach((arg, i) => {
    if (arg === `--${name}`) value = argv[i + 1];
    else if (arg.startsWith(`--${name}=`)) value = arg.slice(name.length + 3);
  });
  return value;
}
