// Bounded cost on long lists. The timing bounds are deliberately generous
// sanity checks (an O(n^2) diff takes seconds at n=1000 and runs out of memory
// at n=3000); bench/patch-diff.ts measures the real numbers. They apply to CPU
// time, which a busy shared machine inflates far less than wall time.
import { performance } from 'node:perf_hooks';
import t from 'tap';
import { createPatch } from '../../src/admission/patch.ts';
import { applyPatch } from '../../src/replay/apply-patch.ts';
import type { PatchOperation } from '../../src/admission/patch.ts';
import { container } from '../fixtures/long-lists.ts';

function cases(n: number) {
  const before = { spec: { containers: Array.from({ length: n }, (_, i) => container(i)) } };
  const middle = structuredClone(before);
  (middle.spec.containers[n >> 1] as ReturnType<typeof container>).image = 'registry.example.com/team/patched:v2';
  const front = structuredClone(before);
  front.spec.containers.unshift(container(-1));
  const reversed = structuredClone(before);
  reversed.spec.containers.reverse();
  return { before, middle, front, reversed };
}

interface Cost {
  cpuMs: number;
  wallMs: number;
}

function cost(fn: () => void): Cost {
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  fn();
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  return { cpuMs: (cpu.user + cpu.system) / 1000, wallMs };
}

function median(fn: () => void, runs: number): Cost {
  const costs = Array.from({ length: runs }, () => cost(fn));
  const mid = (xs: number[]) => xs.sort((a, b) => a - b)[runs >> 1] as number;
  return { cpuMs: mid(costs.map((c) => c.cpuMs)), wallMs: mid(costs.map((c) => c.wallMs)) };
}

const show = (c: Cost) => `cpu ${c.cpuMs.toFixed(1)} ms, wall ${c.wallMs.toFixed(1)} ms`;

t.test('5,000 containers: a change in the middle, an insert at the front, a reversal', async (t) => {
  const n = 5000;
  const { before, middle, front, reversed } = cases(n);
  let ops: PatchOperation[] = [];

  const middleCost = median(() => (ops = createPatch(before, middle)), 5);
  t.same(ops, [{ op: 'replace', path: `/spec/containers/${n >> 1}/image`, value: 'registry.example.com/team/patched:v2' }]);
  t.ok(middleCost.cpuMs < 500, `change in the middle: median ${show(middleCost)}`);

  const frontCost = median(() => (ops = createPatch(before, front)), 5);
  t.same(ops, [{ op: 'add', path: '/spec/containers/0', value: container(-1) }]);
  t.ok(frontCost.cpuMs < 500, `insert at the front: median ${show(frontCost)}`);

  const reversedCost = median(() => (ops = createPatch(before, reversed)), 5);
  // Index by index: at most name, image and the IDX env value per element.
  t.ok(ops.length <= 3 * n, `${ops.length} ops for a reversal`);
  t.same(applyPatch(before, ops), reversed);
  t.ok(reversedCost.cpuMs < 500, `reversal: median ${show(reversedCost)}`);
});

t.test('20,000 containers do not blow up time or memory', async (t) => {
  const n = 20000;
  const { before, middle, front, reversed } = cases(n);
  // external counts typed-array backing stores, which heapUsed leaves out.
  const used = () => process.memoryUsage().heapUsed + process.memoryUsage().external;
  const baseline = used();
  let peak = 0;
  for (const [label, after] of [['middle', middle], ['front', front], ['reversed', reversed]] as const) {
    let ops: PatchOperation[] = [];
    const c = cost(() => (ops = createPatch(before, after)));
    peak = Math.max(peak, used() - baseline);
    t.ok(c.cpuMs < 5000, `${label}: ${show(c)}, ${ops.length} ops`);
    if (label !== 'reversed') t.equal(ops.length, 1, `${label}: one operation`);
    else t.same(applyPatch(before, ops), after, 'the reversal patch applies');
  }
  // An n x n table would be 400 million cells; the lists themselves are ~30 MB.
  t.ok(peak < 512 * 1024 * 1024, `memory growth ${(peak / 1048576).toFixed(0)} MB`);
});
