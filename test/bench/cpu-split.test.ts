// The bench's CPU per review by kind of thread, read from a /proc laid out in a
// test directory: which thread counts as what, threads that start or end during
// the window, and a command name with spaces and parentheses.
import t from 'tap';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { medianSplit, splitCpu, splitPerReview, threadCpuSeconds } from '../../bench/lib/cpu.ts';
import { splitText } from '../../bench/lib/report.ts';

const PID = 4242;

/** A stat line as Linux writes it: utime and stime (in ticks of 1/100 s) are fields 14 and 15. */
function stat(tid: number, comm: string, utime: number, stime: number): string {
  const after = ['S', '1', '1', '1', '0', '-1', '4194304', '100', '0', '0', '0', String(utime), String(stime), '0', '0', '20', '0', '9'];
  return `${tid} (${comm}) ${after.join(' ')}\n`;
}

function writeProc(dir: string, threads: [tid: number, comm: string, utime: number, stime: number][]): void {
  rmSync(join(dir, String(PID)), { recursive: true, force: true });
  for (const [tid, comm, utime, stime] of threads) {
    mkdirSync(join(dir, String(PID), 'task', String(tid)), { recursive: true });
    writeFileSync(join(dir, String(PID), 'task', String(tid), 'stat'), stat(tid, comm, utime, stime));
  }
}

t.test('threads are read by kind: the pid is main, WorkerThread a review worker, V8Worker a V8 helper', async (t) => {
  const proc = t.testdir({});
  writeProc(proc, [[PID, 'node', 150, 50], [PID + 1, 'V8Worker', 10, 0], [PID + 2, 'WorkerThread', 40, 2], [PID + 3, 'libuv-worker', 1, 1], [PID + 4, 'odd (name) x', 3, 0]]);
  const threads = threadCpuSeconds(PID, proc)!;
  t.same(threads.get(PID), { kind: 'main', seconds: 2 });
  t.same(threads.get(PID + 1), { kind: 'v8', seconds: 0.1 });
  t.same(threads.get(PID + 2), { kind: 'workers', seconds: 0.42 });
  t.same(threads.get(PID + 3), { kind: 'other', seconds: 0.02 });
  t.same(threads.get(PID + 4), { kind: 'other', seconds: 0.03 }, 'a command name with spaces and parentheses');
  t.equal(threadCpuSeconds(PID + 100, proc), undefined, 'a process that is gone');
});

t.test('the split adds up to the total: started threads count whole, ended and other threads are rest', async (t) => {
  const proc = t.testdir({});
  writeProc(proc, [[PID, 'node', 100, 0], [PID + 1, 'WorkerThread', 50, 0], [PID + 2, 'WorkerThread', 20, 0], [PID + 3, 'V8Worker', 5, 0], [PID + 9, 'libuv-worker', 0, 0]]);
  const before = threadCpuSeconds(PID, proc)!;
  // PID + 2 ended (a replaced worker), PID + 4 started, PID + 9 (not a known kind) ran.
  writeProc(proc, [[PID, 'node', 300, 20], [PID + 1, 'WorkerThread', 110, 5], [PID + 3, 'V8Worker', 25, 0], [PID + 4, 'WorkerThread', 30, 0], [PID + 9, 'libuv-worker', 4, 0]]);
  const after = threadCpuSeconds(PID, proc)!;
  const total = 4; // what the process's own stat says was spent in the window
  const split = splitCpu(before, after, total);
  const round = (x: number) => Math.round(x * 100) / 100;
  t.same({ main: round(split.main), workers: round(split.workers), v8: round(split.v8), rest: round(split.rest) }, { main: 2.2, workers: 0.95, v8: 0.2, rest: 0.65 });
  t.equal(round(split.main + split.workers + split.v8 + split.rest), total);
});

t.test('per review, the median of the rounds, and the line the summary prints', async (t) => {
  t.same(splitPerReview({ main: 2, workers: 1, v8: 0.5, rest: 0 }, 10_000), { main: 200, workers: 100, v8: 50, rest: 0 });
  const rounds = [{ main: 110, workers: 40, v8: 30, rest: 0 }, undefined, { main: 130, workers: 50, v8: 20, rest: 2 }, { main: 120, workers: 45, v8: 25, rest: 1 }];
  t.same(medianSplit(rounds), { main: 120, workers: 45, v8: 25, rest: 1 }, "each kind's own median; a round without a split is left out");
  t.equal(medianSplit([undefined, undefined]), undefined, 'no split at all (off Linux): none');
  t.equal(splitText({ main: 118.4, workers: 42, v8: 35.3, rest: 0 }), 'by thread: main 118, review workers 42, V8 helpers (GC, compiler) 35, rest 0 us/review');
});
