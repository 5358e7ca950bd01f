// Command-line flags of `npm run bench`. Explicit --rounds/--seconds win over --quick.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BenchError } from './errors.ts';

export interface BenchOptions {
  rounds: number;
  seconds: number;
  conns: number;
  warmupSeconds: number;
  json: string | undefined;
  only: string[] | undefined;
  micro: boolean;
  /** Run the sweeps (connections, body size, webhooks loaded) as well as the main comparison. */
  sweeps: boolean;
  /** Quiet time before the rested memory reading. */
  restSeconds: number;
  /** Another checkout of kadmit to run beside this one (scenario kadmit-baseline). */
  baseline: string | undefined;
  help: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]

  --rounds N     measured rounds per scenario, servers alternated (default 3)
  --seconds S    length of each measured wrk run (default 10)
  --conns C      concurrent keep-alive TLS connections (default 16)
  --quick        1 round of 3 s, 3 s of rest (a smoke run; do not quote its numbers)
  --only A,B     run only these scenarios (see bench/lib/scenarios.ts)
  --no-micro     skip the micro-benchmarks after the HTTP rounds
  --no-sweeps    skip the sweeps (1 and 64 connections, 1 KB-1 MB bodies, 10 and 50 webhooks)
  --rest S       seconds without requests before the last memory reading (default 30)
  --baseline DIR also run kadmit from the checkout in DIR (scenario kadmit-baseline): before/after in one run
  --json FILE    also write the results as JSON
  --help         show this help`;

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new BenchError(`--${name}: expected a positive integer, got "${value}"`);
  return n;
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        rounds: { type: 'string' },
        seconds: { type: 'string' },
        conns: { type: 'string' },
        quick: { type: 'boolean', default: false },
        only: { type: 'string' },
        'no-micro': { type: 'boolean', default: false },
        'no-sweeps': { type: 'boolean', default: false },
        rest: { type: 'string' },
        baseline: { type: 'string' },
        json: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    throw new BenchError(`${(err as Error).message}\n\n${USAGE}`);
  }
  const quick = values.quick;
  const seconds = positiveInt('seconds', values.seconds, quick ? 3 : 10);
  return {
    rounds: positiveInt('rounds', values.rounds, quick ? 1 : 3),
    seconds,
    conns: positiveInt('conns', values.conns, 16),
    // Enough for JIT and TLS session set-up, short next to a measured run.
    warmupSeconds: quick ? 1 : Math.min(3, Math.max(1, Math.round(seconds / 3))),
    // npm runs scripts from the package root; a relative path means the caller's directory.
    json: values.json === undefined ? undefined : resolve(process.env.INIT_CWD ?? process.cwd(), values.json),
    only: values.only?.split(',').map((s) => s.trim()).filter(Boolean),
    micro: !values['no-micro'],
    sweeps: !values['no-sweeps'],
    restSeconds: positiveInt('rest', values.rest, quick ? 3 : 30),
    baseline: values.baseline === undefined ? undefined : resolve(process.env.INIT_CWD ?? process.cwd(), values.baseline),
    help: values.help,
  };
}
