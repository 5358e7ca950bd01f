// How long `kadmit serve` takes from process spawn to serving (the time its
// "kadmit serving" log line carries: readiness is set just before it is logged,
// and the line itself may reach stdout up to 100 ms later), with reusable
// certificates in place, for 0, 1 and 2 review workers; from the sources (as
// `npm start` runs, and as `npx kadmit` runs through bin/kadmit.js) and, when
// `npm run build` has been run, from the bundled command line in dist/ (as the
// package and the container image run).
// With --fresh-certs each process starts on an empty cert dir and makes its CA
// and serving keys first (a pod whose cert dir is an emptyDir; `npm run bench`
// starts its servers so). Node's compile cache is warm (filled by a first start).
// --without-compile-cache adds, interleaved sample by sample, processes that
// compile every module they load, as a pod does whose image has no cache (its
// root filesystem is read-only, so Node cannot keep one: the Dockerfile makes it
// at build time). Medians of fresh processes. Target: under 500 ms.
//   npx node bench/startup.ts [--samples N] [--fresh-certs] [--without-compile-cache]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { servingAt } from './lib/memory.ts';
import { entryEnv, entryLabel, startEntries } from './lib/servers.ts';
import { median } from './lib/stats.ts';

const { values } = parseArgs({ options: { samples: { type: 'string', default: '9' }, 'fresh-certs': { type: 'boolean', default: false }, 'without-compile-cache': { type: 'boolean', default: false } } });
const SAMPLES = Number(values.samples);
const FRESH = values['fresh-certs'];
const COMPARE_CACHE = values['without-compile-cache'];
const ROOT = new URL('..', import.meta.url).pathname;
const certDir = mkdtempSync(join(tmpdir(), 'kadmit-bench-startup-'));

function serveOnce(entry: string, workers: number, dir = certDir, withoutCache = false): Promise<number> {
  const spawnedAt = Date.now();
  const args = [entry, 'serve', '--cert-dir', dir, '--webhook-address', '127.0.0.1:0', '--ops-address', '127.0.0.1:0', '--workers', String(workers), '--drain-delay-ms', '0'];
  const env = withoutCache ? { ...entryEnv(entry), NODE_DISABLE_COMPILE_CACHE: '1' } : entryEnv(entry);
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let at: number | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (at === undefined && (at = servingAt(out)) !== undefined) child.kill('SIGTERM');
    });
    child.once('exit', (code) => (at === undefined ? reject(new Error(`kadmit serve exited ${code} before serving:\n${out}`)) : resolve(at - spawnedAt)));
  });
}

const entries = startEntries(ROOT);

try {
  await serveOnce(entries[0]!, 0); // creates the certificates and fills the compile cache
  console.log(`startup: node ${process.version}, ${SAMPLES} fresh processes each, ${FRESH ? 'each on an empty cert dir' : 'certificates reused'}, compile cache warm${COMPARE_CACHE ? ' (and without one, interleaved)' : ''}`);
  for (const entry of entries) {
    for (const workers of [0, 1, 2]) {
      const times: number[] = [];
      const uncached: number[] = [];
      const dir = () => (FRESH ? mkdtempSync(join(certDir, 'fresh-')) : certDir);
      for (let i = 0; i < SAMPLES; i++) {
        times.push(await serveOnce(entry, workers, dir()));
        if (COMPARE_CACHE) uncached.push(await serveOnce(entry, workers, dir(), true));
      }
      const label = `${entryLabel(entry)} --workers ${workers}`;
      const without = COMPARE_CACHE ? `; without the compile cache ${median(uncached).toFixed(0)} ms` : '';
      console.log(`  ${label}  serving after median ${median(times).toFixed(0)} ms (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)})${without}  target < 500 ms`);
    }
  }
  if (entries.length === 2) console.log('  (dist/ not built: `npm run build` adds the compiled run)');
} finally {
  rmSync(certDir, { recursive: true, force: true });
}
