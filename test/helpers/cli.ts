// Runs a kadmit command in the test's own process, as src/cli/main.ts runs it
// in a process of its own (same exit codes and messages), with what it writes
// captured. It saves starting a process and loading kadmit in it; the tests
// that prove the real entry point use runCli (process.ts).
import type { CliIo } from '../../src/cli/io.ts';
import { reportFailure, runKadmit } from '../../src/cli/kadmit.ts';

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** `env` is added to this process's environment, as runCli does for a child. */
export async function runCliInProcess(args: string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<Ran> {
  const ran = { code: 0, stdout: '', stderr: '' };
  const io: CliIo = {
    stdout: { write: (text: string) => (ran.stdout += text) },
    stderr: { write: (text: string) => (ran.stderr += text) },
    env: { ...process.env, ...options.env },
  };
  try {
    ran.code = await runKadmit(args, io);
  } catch (err) {
    ran.code = reportFailure(err, io);
  }
  return ran;
}
