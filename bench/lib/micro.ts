// Micro-benchmarks owned by other parts of kadmit, run after the HTTP rounds
// (servers stopped) as separate processes; absent ones are skipped.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.ts';
import { spawnTracked } from './procs.ts';

export const MICRO_BENCHES = ['bench/patch-diff.ts', 'bench/schema-validate.ts', 'bench/cert-rotation-stall.ts'] as const;

export interface MicroResult {
  file: string;
  skipped?: string;
  exitCode?: number | null;
  output?: string;
}

function runStreaming(file: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawnTracked(process.execPath, [join(REPO_ROOT, file)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
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

export async function runMicro(): Promise<MicroResult[]> {
  const results: MicroResult[] = [];
  for (const file of MICRO_BENCHES) {
    if (!existsSync(join(REPO_ROOT, file))) {
      console.log(`\n== ${file}: not present, skipped`);
      results.push({ file, skipped: 'not present' });
      continue;
    }
    console.log(`\n== ${file}`);
    const { code, output } = await runStreaming(file);
    if (code !== 0) console.log(`(${file} exited ${code})`);
    results.push({ file, exitCode: code, output });
  }
  return results;
}
