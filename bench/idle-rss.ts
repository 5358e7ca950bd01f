// Idle resident memory of `kadmit serve --webhook builtin:require-memory-limits`
// by --workers, from the sources (as `npm start` runs, and as `npx kadmit` runs
// through bin/kadmit.js) and, when `npm run build` has been run, from the bundled
// command line in dist/ (as the package and the container image run): each server is read
// (VmRSS, all threads) a few seconds after its "kadmit serving" line, with no
// request sent. The README's memory table comes from this. Medians of fresh
// processes. Target: <= 128 MiB with the default two workers.
// With --cpu-window S, each server is then left at rest S seconds more and its
// CPU use over them is printed too, in millicores (all threads, from /proc): the
// figure the autoscaler's CPU request counts for a replica at rest
// (src/manifests/sizing.ts).
//   npx node bench/idle-rss.ts [--samples N] [--settle S] [--workers 0,1,2,4] [--cpu-window S]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { rssMiB } from './lib/memory.ts';
import { cpuSeconds } from './lib/cpu.ts';
import { entryEnv, entryLabel, startEntries } from './lib/servers.ts';
import { median } from './lib/stats.ts';

const { values } = parseArgs({ options: { samples: { type: 'string', default: '3' }, settle: { type: 'string', default: '5' }, workers: { type: 'string', default: '0,1,2,4' }, 'cpu-window': { type: 'string', default: '0' } } });
const SAMPLES = Number(values.samples);
const SETTLE_MS = Number(values.settle) * 1000;
const CPU_WINDOW_MS = Number(values['cpu-window']) * 1000;
const WORKER_COUNTS = values.workers.split(',').map(Number);
const ROOT = new URL('..', import.meta.url).pathname;
const certDir = mkdtempSync(join(tmpdir(), 'kadmit-bench-rss-'));
const SERVE_TIMEOUT_MS = 30_000;

interface AtRest {
  rssMiB: number;
  /** CPU use over CPU_WINDOW_MS after the RSS reading; undefined without a window. */
  millicores: number | undefined;
}

/** CPU use of `pid` over the next `ms`, in millicores. */
async function millicoresOver(pid: number, ms: number): Promise<number> {
  const before = cpuSeconds(pid);
  await sleep(ms);
  const after = cpuSeconds(pid);
  if (before === undefined || after === undefined) throw new Error('could not read the server\'s CPU time (/proc/PID/stat; not Linux?)');
  return ((after - before) * 1e6) / ms;
}

/** Spawns a server, waits for it to serve and `SETTLE_MS` more, reads its RSS (and CPU over CPU_WINDOW_MS) and stops it. */
function idle(entry: string, workers: number): Promise<AtRest> {
  const args = [entry, 'serve', '--webhook', 'builtin:require-memory-limits', '--cert-dir', certDir, '--webhook-address', '127.0.0.1:0', '--ops-address', '127.0.0.1:0',
    '--workers', String(workers), '--drain-delay-ms', '0'];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: entryEnv(entry) });
  return new Promise((resolve, reject) => {
    let out = '';
    let serving = false;
    const giveUp = setTimeout(() => child.kill('SIGKILL'), SERVE_TIMEOUT_MS);
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (serving || !out.includes('"msg":"kadmit serving"')) return;
      serving = true;
      clearTimeout(giveUp); // a time limit for starting, not for the reading
      void sleep(SETTLE_MS)
        .then(async () => {
          const rss = rssMiB(child.pid!);
          if (rss === undefined) throw new Error('could not read VmRSS (not Linux?)');
          return { rssMiB: rss, millicores: CPU_WINDOW_MS > 0 ? await millicoresOver(child.pid!, CPU_WINDOW_MS) : undefined };
        })
        .then(resolve, reject)
        .finally(() => child.kill('SIGTERM'));
    });
    child.once('exit', (code) => {
      clearTimeout(giveUp);
      if (!serving) reject(new Error(`kadmit serve exited ${code} before serving:\n${out}`));
    });
  });
}

const entries = startEntries(ROOT);

try {
  const cpuNote = CPU_WINDOW_MS > 0 ? `; CPU at rest over the ${CPU_WINDOW_MS / 1000} s after that` : '';
  console.log(`idle RSS: node ${process.version}, ${SAMPLES} fresh processes each, read ${SETTLE_MS / 1000} s after serving${cpuNote}`);
  for (const entry of entries) {
    for (const workers of WORKER_COUNTS) {
      const samples: AtRest[] = [];
      for (let i = 0; i < SAMPLES; i++) samples.push(await idle(entry, workers));
      const label = `${entryLabel(entry)} --workers ${workers}`;
      const rss = samples.map((s) => s.rssMiB);
      const cpu = samples.flatMap((s) => (s.millicores === undefined ? [] : [s.millicores]));
      const cpuText = cpu.length > 0 ? `; CPU median ${median(cpu).toFixed(0)}m (min ${Math.min(...cpu).toFixed(0)}, max ${Math.max(...cpu).toFixed(0)})` : '';
      console.log(`  ${label}  median ${median(rss).toFixed(0)} MiB (min ${Math.min(...rss).toFixed(0)}, max ${Math.max(...rss).toFixed(0)})${cpuText}`);
    }
  }
  if (entries.length === 2) console.log('  (dist/ not built: `npm run build` adds the compiled run)');
} finally {
  rmSync(certDir, { recursive: true, force: true });
}
