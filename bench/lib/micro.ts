// Micro-benchmarks owned by other parts of kadmit, run after the HTTP rounds
// (servers stopped) as separate processes; absent ones are skipped.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.ts';
import { spawnTracked } from './procs.ts';

export const MICRO_BENCHES = ['bench/signal-cost.ts', 'bench/patch-diff.ts', 'bench/schema-validate.ts', 'bench/cert-rotation-stall.ts', 'bench/startup.ts', 'bench/tracing-cost.ts'] as const;

export interface MicroResult {
  file: string;
  skipped?: string;
  exitCode?: number | null;
  output?: string;
}

function runStreaming(file: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawnTracked(process.execPath, [join(REPO_ROOT, file)], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const relay = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      process.stdout.write(chunk);
    };
    child.stdout?.on('data', relay);
    child.stderr?.on('data', relay);
    child.once('error', (err) => resolve({ code: null, output: output + err.message }));
    child.once('close', (code) => resolve({ code, output }));
  });
}

/**
 * `perReview`: kadmit's CPU per review from this run's HTTP rounds, handed to the
 * micro-benchmarks that state their cost as a share of it (bench/signal-cost.ts).
 */
export async function runMicro(perReview?: { us: number; source: string }): Promise<MicroResult[]> {
  const env = perReview ? { ...process.env, KADMIT_BENCH_CPU_US_PER_REVIEW: String(perReview.us), KADMIT_BENCH_CPU_SOURCE: perReview.source } : process.env;
  const results: MicroResult[] = [];
  for (const file of MICRO_BENCHES) {
    if (!existsSync(join(REPO_ROOT, file))) {
      console.log(`\n== ${file}: not present, skipped`);
      results.push({ file, skipped: 'not present' });
      continue;
    }
    console.log(`\n== ${file}`);
    const { code, output } = await runStreaming(file, env);
    if (code !== 0) console.log(`(${file} exited ${code})`);
    results.push({ file, exitCode: code, output });
  }
  return results;
}
