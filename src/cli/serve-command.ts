// `kadmit serve` from the command line: configuration, logger, signals.
import { loadServeConfig, serveHelp } from '../config/load.ts';
import { createLogger } from '../observability/logger.ts';
import { prettyDestination } from '../observability/pretty-log.ts';
import { startServer } from './serve.ts';

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${serveHelp()}\n`);
    return 0;
  }
  const config = loadServeConfig(argv, process.env);
  const pretty = config.logFormat === 'pretty' ? prettyDestination(process.stdout, { colors: process.stdout.isTTY && !process.env.NO_COLOR }) : undefined;
  const log = createLogger(config.logLevel, pretty);
  const server = await startServer(config, log);
  return new Promise<number>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      log.info({ signal }, 'signal received');
      // shutdown() is bounded by the grace period; this only stops a handle it does not know from holding the process.
      setTimeout(() => process.exit(process.exitCode ?? 0), config.shutdownGraceMs + 1_000).unref();
      server.shutdown().then(
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
