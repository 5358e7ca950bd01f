#!/usr/bin/env node
// kadmit's command line. Usage errors exit 2 with a message naming what is wrong.
import { loadServeConfig, serveHelp, UsageError } from '../config/load.ts';
import { createLogger } from '../observability/logger.ts';
import { errorMessage, KadmitError } from '../errors.ts';
import { startServer } from './serve.ts';

const USAGE = `Usage: kadmit <command> [options]

Commands:
  serve     serve the configured admission webhooks over HTTPS
  help      show this help

Run 'kadmit <command> --help' for a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serveCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`kadmit: unknown command "${command}"\n\n${USAGE}\n`);
      return 2;
  }
}

async function serveCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${serveHelp()}\n`);
    return 0;
  }
  const config = loadServeConfig(argv, process.env);
  const log = createLogger(config.logLevel);
  const server = await startServer(config, log);
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      log.info({ signal }, 'signal received');
      server.shutdown().then(resolve, (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exitCode = 1;
        resolve();
      });
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`kadmit: ${err.message}\n`);
      process.exitCode = 2;
    } else {
      const code = err instanceof KadmitError ? ` [${err.code}]` : '';
      process.stderr.write(`kadmit: ${errorMessage(err)}${code}\n`);
      process.exitCode = 1;
    }
  },
);
