// Schema layer micro-benchmark: the median cost of SchemaRegistry.check() on the
// 5 KB Pod of test/fixtures/pod-create-5k.json (target <= 50 us), and the cold
// start of the schema layer (import + first Pod check) in fresh processes.
// Run: npx node bench/schema-validate.ts
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { median } from './lib/stats.ts';

const SELF = fileURLToPath(import.meta.url);
const POD_REVIEW = new URL('../test/fixtures/pod-create-5k.json', import.meta.url);
const COLD_SAMPLES = 7;

function loadPod(): { kind: { group: string; version: string; kind: string }; object: unknown } {
  return (JSON.parse(readFileSync(POD_REVIEW, 'utf8')) as { request: { kind: { group: string; version: string; kind: string }; object: unknown } }).request;
}

// Child mode: one cold start, reported as JSON on stdout.
async function cold(): Promise<void> {
  const { kind, object } = loadPod();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const { SchemaRegistry } = await import('../src/schemas/registry.ts');
  const registry = SchemaRegistry.builtin();
  const t1 = performance.now();
  const c1 = process.cpuUsage(c0);
  const ok = registry.check(kind, object).ok;
  const t2 = performance.now();
  const c2 = process.cpuUsage(c0);
  const ms = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
  console.log(JSON.stringify({ ok, importMs: t1 - t0, importCpuMs: ms(c1), firstCheckMs: t2 - t1, firstCheckCpuMs: ms(c2) - ms(c1), sinceProcessStartMs: t2 }));
}

// Child mode (--expose-gc): heap held by the schema layer, loaded as a worker
// loads it: the validators of a valid Pod's packages, then zod to explain a bad one.
async function memory(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc!;
  const heap = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };
  const { kind, object } = loadPod();
  const { SchemaRegistry } = await import('../src/schemas/registry.ts');
  const registry = SchemaRegistry.builtin();
  const base = heap();
  registry.check(kind, object);
  const pod = heap();
  registry.check(kind, badPod(object));
  const explained = heap();
  for (const key of registry.keys()) {
    const parts = key.split('/');
    const k = parts.pop()!;
    const version = parts.pop()!;
    registry.check({ group: parts.join('/'), version, kind: k }, { apiVersion: [...parts, version].join('/'), kind: k });
  }
  const all = heap();
  console.log(JSON.stringify({ podKb: (pod - base) / 1024, explainedKb: (explained - base) / 1024, allKb: (all - base) / 1024, kinds: registry.keys().length }));
}

/** The Pod with a string where its first port's number belongs. */
function badPod(object: unknown): unknown {
  const bad = structuredClone(object) as { spec: { containers: Array<{ ports: Array<{ containerPort: unknown }> }> } };
  bad.spec.containers[0]!.ports[0]!.containerPort = '8080';
  return bad;
}

function child(nodeFlags: string[], mode: string): Record<string, number> {
  const r = spawnSync(process.execPath, [...nodeFlags, SELF, mode], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, number>;
}

// Per-call cost, as medians over short batches (~1 ms, mostly inside one scheduler
// time slice): wall time, and CPU time of this process, which stays meaningful when
// other processes compete for the cores.
function perCallMicros(fn: () => unknown, batch: number, rounds = 401): { wall: number; cpu: number } {
  for (let i = 0; i < 3000; i++) fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    wall.push(((performance.now() - t0) * 1000) / batch);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / batch);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

const us = (m: { wall: number; cpu: number }) => `median ${m.cpu.toFixed(1)} us CPU/op (${m.wall.toFixed(1)} us wall)`;

async function main(): Promise<void> {
  const colds = Array.from({ length: COLD_SAMPLES }, () => child([], '--cold'));
  if (!colds.every((c) => c['ok'])) throw new Error('the 5k Pod did not validate');
  const mem = child(['--expose-gc'], '--memory');

  const { SchemaRegistry } = await import('../src/schemas/registry.ts');
  const { checkBounds } = await import('../src/schemas/bounds.ts');
  const registry = SchemaRegistry.builtin();
  const { kind, object } = loadPod();
  const bad = badPod(object);
  if (!registry.check(kind, object).ok || registry.check(kind, bad).ok) throw new Error('unexpected validation result');

  const check = perCallMicros(() => registry.check(kind, object), 40);
  const bounds = perCallMicros(() => checkBounds(object), 400);
  const failing = perCallMicros(() => registry.check(kind, bad), 15);

  console.log(`schema-validate: node ${process.version}, test/fixtures/pod-create-5k.json`);
  console.log(`  check() 5k Pod, valid        ${us(check)}  target <= 50 us`);
  console.log(`    of which checkBounds()     ${us(bounds)}`);
  console.log(`  check() 5k Pod, 1 issue      ${us(failing)}  (the issue-collecting parse runs only on failure)`);
  const med = (k: string) => median(colds.map((c) => c[k]!)).toFixed(1);
  console.log(`  cold start, median of ${COLD_SAMPLES} fresh processes:`);
  console.log(`    import schema layer + builtin()  ${med('importMs')} ms wall, ${med('importCpuMs')} ms CPU`);
  console.log(`    first check (loads the Pod's)    ${med('firstCheckMs')} ms wall, ${med('firstCheckCpuMs')} ms CPU`);
  console.log(`    ready after process start        ${med('sinceProcessStartMs')} ms wall (includes Node's own start-up)`);
  const kib = (k: string) => `${Math.round(mem[k]!)} KiB`;
  console.log(`  heap held by schemas         valid Pod: ${kib('podKb')}; + a Pod explained (zod): ${kib('explainedKb')}; all ${mem['kinds']} kinds: ${kib('allKb')}`);
}

if (process.argv.includes('--cold')) await cold();
else if (process.argv.includes('--memory')) await memory();
else await main();
