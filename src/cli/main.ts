#!/usr/bin/env node
// kadmit's command line. Each command lives in its own module and returns an
// exit code; usage errors exit 2 with a message naming what is wrong.
import { enableCompileCache } from 'node:module';
import { errorMessage, KadmitError, UsageError } from '../errors.ts';
import { KADMIT_VERSION } from '../version.ts';
import { closest } from '../config/suggest.ts';

interface Command {
  summary: string;
  run(argv: string[]): Promise<number>;
}

// V8's code cache for the modules the command loads (most of start-up is module
// loading); where the cache directory cannot be written it is simply off.
enableCompileCache();

// One line per command; the module is loaded only when the command runs.
const COMMANDS: Record<string, Command> = {
  init: { summary: 'scaffold a policy project (webhooks, fixtures, tests, Dockerfile) in a new directory', run: async (argv) => (await import('./init-command.ts')).run(argv) },
  serve: { summary: 'serve the configured admission webhooks over HTTPS', run: async (argv) => (await import('./serve-command.ts')).run(argv) },
  replay: { summary: 'replay AdmissionReview fixtures through the webhooks and check expectations', run: async (argv) => (await import('./replay-command.ts')).run(argv) },
  bench: { summary: 'measure per-webhook latency on fixtures, and compare with a baseline', run: async (argv) => (await import('./bench-command.ts')).run(argv) },
  manifests: { summary: 'render the Kubernetes manifests that install kadmit (stdout, or files with --out)', run: async (argv) => (await import('./manifests-command.ts')).run(argv) },
  types: { summary: 'write TypeScript declarations for custom resources from their CRDs (types --crd FILE [--out FILE])', run: async (argv) => (await import('./types-command.ts')).run(argv) },
  certs: { summary: 'inspect the certificates kadmit manages (certs inspect [--json])', run: async (argv) => (await import('./certs-command.ts')).run(argv) },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length)) + 4;
  return [
    'Usage: kadmit <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}${c.summary}`),
    `  ${'help'.padEnd(width)}show this help`,
    `  ${'--version'.padEnd(width)}print kadmit's version`,
    '',
    "Run 'kadmit <command> --help' for a command's options.",
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    process.stdout.write(`${KADMIT_VERSION}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    const guess = closest(name, [...Object.keys(COMMANDS), 'help', '--help', '--version']);
    throw new UsageError(`unknown command "${name}"${guess ? `: did you mean "${guess}"?` : ''}\n\n${usage()}`);
  }
  return command.run(rest);
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
    // A failed command exits even if a connection or a timer it started lingers.
    setTimeout(() => process.exit(), 2_000).unref();
  },
);
