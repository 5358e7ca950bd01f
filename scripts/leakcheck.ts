// Leak check: drives kadmit through reviews whose clients hang up mid-handler,
// whose handlers overrun the deadline (async and spinning) and normal ones, then
// checks that nothing outlived its request: in-flight 0, active resources back
// to baseline, no listeners piled up on long-lived emitters, heap within 5 MB
// of baseline after GC, worker pool at full size. Prints the numbers; exits 1 on
// a failed check. Needs --expose-gc (npm run leakcheck passes it).
//   node --expose-gc scripts/leakcheck.ts [--requests 10000] [--spinning 100] [--json]
import { parseArgs } from 'node:util';
import pino from 'pino';
import { Agent, request } from 'node:https';
import { getEventListeners } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveConfigSchema, type ServeConfig } from '../src/config/options.ts';
import { createLogger } from '../src/observability/logger.ts';
import { startServer } from '../src/cli/serve.ts';
import { trusting } from '../test/helpers/https-client.ts';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '10000' }, spinning: { type: 'string', default: '100' }, json: { type: 'boolean', default: false } } });
const N = Number(values.requests);
const SPINNING = Number(values.spinning);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  process.stderr.write('leakcheck: run with --expose-gc (npm run leakcheck)\n');
  process.exit(2);
}

const certDir = mkdtempSync(join(tmpdir(), 'kadmit-leak-'));
const misbehaving = fileURLToPath(new URL('../test/fixtures/webhooks/misbehaving.ts', import.meta.url));
const config = serveConfigSchema.parse({ webhookAddress: '127.0.0.1:0', opsAddress: '127.0.0.1:0', certDir, webhooks: [misbehaving], workers: 2, logLevel: 'error', drainDelayMs: 0 }) as ServeConfig;
// Errors go to stderr: stdout carries the report.
const server = await startServer(config, createLogger('error', pino.destination(2)));
const ca = readFileSync(join(certDir, 'ca.crt'), 'utf8');
const body = readFileSync(new URL('../test/fixtures/pod-create-5k.json', import.meta.url));

let agent = new Agent({ keepAlive: true, maxSockets: 64 });
const outcomes = { ok: 0, answered: 0, hungUp: 0, errors: 0 };

function post(path: string, hangUpAfterMs?: number): Promise<void> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: server.webhookPort, path, method: 'POST', ...trusting(ca), servername: 'kadmit.kadmit.svc', agent: hangUpAfterMs === undefined ? agent : false, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode === 200) outcomes.ok++;
        else outcomes.errors++;
        resolve();
      });
    });
    req.on('error', () => {
      if (hangUpAfterMs === undefined) outcomes.errors++;
      resolve();
    });
    req.end(body);
    if (hangUpAfterMs !== undefined) setTimeout(() => { outcomes.hungUp++; req.destroy(); resolve(); }, hangUpAfterMs);
  });
}

async function run(count: number, concurrency: number, one: (i: number) => Promise<void>): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) await one(next++);
  }));
  return Math.round(performance.now() - started);
}

function listeners(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const event of process.eventNames()) out[`process:${String(event)}`] = process.listenerCount(event);
  out['reviewer:shutdown-signal'] = getEventListeners(server.reviewer.shutdownSignal, 'abort').length;
  return out;
}

function resources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}

async function settle(): Promise<void> {
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    const pool = server.pool!.stats();
    if (server.reviewer.inFlightCount === 0 && pool.inFlight === 0 && pool.ready === pool.size && pool.stalled === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  agent.destroy();
  agent = new Agent({ keepAlive: true, maxSockets: 64 });
  await new Promise((r) => setTimeout(r, 500));
  for (let i = 0; i < 3; i++) {
    gc!();
    await new Promise((r) => setImmediate(r));
  }
}

function sample() {
  return { heapUsed: process.memoryUsage().heapUsed, resources: resources(), listeners: listeners() };
}

const grownSince = (before: Record<string, number>, now: Record<string, number>) => Object.entries(now).filter(([k, v]) => v > (before[k] ?? 0));

/**
 * The sample after the run. The certificate store rereads its files now and
 * then: caught mid-read, each open file shows as a CloseReq for a moment. That
 * is no leak, so a sample with more resources than the baseline is taken again
 * for up to 2 s; anything that outlived its request is still there then.
 */
async function sampleAfterRun(baseline: ReturnType<typeof sample>) {
  let now = sample();
  for (const until = Date.now() + 2_000; grownSince(baseline.resources, now.resources).length > 0 && Date.now() < until; ) {
    await new Promise((r) => setTimeout(r, 100));
    now = sample();
  }
  return now;
}

// Warm up every path once so lazily created state is in the baseline.
await run(200, 20, () => post('/quick?timeout=10s'));
await run(20, 10, () => post('/sleep?timeout=100ms'));
await run(20, 10, () => post('/sleep?timeout=10s', 10));
await settle();
const baseline = sample();

const phases: Record<string, number> = {};
phases.disconnectMs = await run(N, 100, (i) => post('/sleep?timeout=10s', 5 + (i % 25)));
phases.overrunAsyncMs = await run(N - SPINNING, 200, (i) => post(i % 2 === 0 ? '/sleep?timeout=100ms' : '/overrun?timeout=100ms'));
// One at a time on a full pool, so each spin really blocks a worker and costs a replacement.
const replacedBefore = server.pool!.stats().replaced;
const poolIs = async (ok: (s: ReturnType<NonNullable<typeof server.pool>['stats']>) => boolean) => {
  const until = Date.now() + 10_000;
  while (!ok(server.pool!.stats()) && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
};
phases.overrunSpinningMs = await run(SPINNING, 1, async () => {
  await poolIs((s) => s.ready === s.size && s.stalled === 0);
  const replaced = server.pool!.stats().replaced;
  // 400 ms (a 200 ms budget): long enough that a loaded machine still hands it to a worker in time.
  await post('/spin?timeout=400ms');
  await poolIs((s) => s.replaced > replaced);
});
phases.normalMs = await run(N, 50, () => post('/quick?timeout=10s'));
await settle();
const after = await sampleAfterRun(baseline);
const pool = server.pool!.stats();
const spinsReplaced = pool.replaced - replacedBefore;

const heapDeltaMb = (after.heapUsed - baseline.heapUsed) / 1024 / 1024;
const grownResources = grownSince(baseline.resources, after.resources);
const grownListeners = grownSince(baseline.listeners, after.listeners);
const checks = {
  inFlightZero: server.reviewer.inFlightCount === 0 && pool.inFlight === 0,
  resourcesAtBaseline: grownResources.length === 0,
  listenersAtBaseline: grownListeners.length === 0,
  heapWithin5MB: heapDeltaMb <= 5,
  poolFullSize: pool.ready === pool.size && pool.stalled === 0,
  everySpinReplacedItsWorker: spinsReplaced === SPINNING,
};
const report = {
  requests: { disconnects: N, overrunAsync: N - SPINNING, overrunSpinning: SPINNING, normal: N },
  outcomes, phases,
  inFlight: server.reviewer.inFlightCount, poolInFlight: pool.inFlight,
  pool, spinsReplaced, heapBaselineMb: +(baseline.heapUsed / 1048576).toFixed(2), heapAfterMb: +(after.heapUsed / 1048576).toFixed(2), heapDeltaMb: +heapDeltaMb.toFixed(2),
  resourcesBaseline: baseline.resources, resourcesAfter: after.resources, grownResources, grownListeners, checks,
};
await server.shutdown();
rmSync(certDir, { recursive: true, force: true });

if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
else {
  process.stdout.write(`leakcheck: ${N} disconnects, ${N - SPINNING} async overruns + ${SPINNING} spinning, ${N} normal\n`);
  process.stdout.write(`  phases (ms): ${JSON.stringify(phases)}\n  outcomes: ${JSON.stringify(outcomes)}\n`);
  process.stdout.write(`  in-flight after: ${report.inFlight} (pool ${report.poolInFlight}); pool ${pool.ready}/${pool.size} ready, ${pool.replaced} replaced\n`);
  process.stdout.write(`  heap: ${report.heapBaselineMb} MB -> ${report.heapAfterMb} MB (delta ${report.heapDeltaMb} MB)\n`);
  process.stdout.write(`  active resources: ${JSON.stringify(baseline.resources)} -> ${JSON.stringify(after.resources)}\n`);
  process.stdout.write(`  listeners grown: ${JSON.stringify(grownListeners)}\n`);
  for (const [name, ok] of Object.entries(checks)) process.stdout.write(`  ${ok ? 'PASS' : 'FAIL'} ${name}\n`);
}
process.exitCode = Object.values(checks).every(Boolean) ? 0 : 1;
