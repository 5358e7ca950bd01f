// kadmit's commands. Each command lives in its own module and returns an exit
// code; usage errors exit 2 with a message naming what is wrong.
import { errorMessage, KadmitError, UsageError } from '../errors.ts';
import { KADMIT_VERSION } from '../version.ts';
import { closest } from '../config/suggest.ts';
import type { CliIo } from './io.ts';

interface Command {
  summary: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

// One line per command; the module is loaded only when the command runs.
const COMMANDS: Record<string, Command> = {
  init: { summary: 'scaffold a policy project (webhooks, fixtures, tests, Dockerfile) in a new directory', run: async (argv, io) => (await import('./init-command.ts')).run(argv, io) },
  serve: { summary: 'serve the configured admission webhooks over HTTPS', run: async (argv, io) => (await import('./serve-command.ts')).run(argv, io) },
  replay: { summary: 'replay AdmissionReview fixtures through the webhooks and check expectations', run: async (argv, io) => (await import('./replay-command.ts')).run(argv, io) },
  bench: { summary: 'measure per-webhook latency on fixtures, and compare with a baseline', run: async (argv, io) => (await import('./bench-command.ts')).run(argv, io) },
  manifests: { summary: 'render the Kubernetes manifests that install kadmit (stdout, or files with --out)', run: async (argv, io) => (await import('./manifests-command.ts')).run(argv, io) },
  types: { summary: 'write TypeScript declarations for custom resources from their CRDs (types --crd FILE [--out FILE])', run: async (argv, io) => (await import('./types-command.ts')).run(argv, io) },
  certs: { summary: 'inspect the certificates kadmit manages (certs inspect [--json])', run: async (argv, io) => (await import('./certs-command.ts')).run(argv, io) },
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

/** Runs the command `argv` names and resolves with its exit code; a failed command rejects (see reportFailure). */
export async function runKadmit(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    io.stdout.write(`${KADMIT_VERSION}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    const guess = closest(name, [...Object.keys(COMMANDS), 'help', '--help', '--version']);
    throw new UsageError(`unknown command "${name}"${guess ? `: did you mean "${guess}"?` : ''}\n\n${usage()}`);
  }
  return command.run(rest, io);
}

/** Writes why a command failed on stderr; returns the exit code: 2 for a usage error, else 1. */
export function reportFailure(err: unknown, io: CliIo): number {
  if (err instanceof UsageError) {
    io.stderr.write(`kadmit: ${err.message}\n`);
    return 2;
  }
  const code = err instanceof KadmitError ? ` [${err.code}]` : '';
  io.stderr.write(`kadmit: ${errorMessage(err)}${code}\n`);
  return 1;
}
