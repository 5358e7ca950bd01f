// The threads an operator can look into: the main thread and each review worker,
// by a bounded label (`main`, `worker-0` .. `worker-<n-1>`; a replaced worker
// takes its slot's label). Node can read a worker's event-loop utilisation,
// profile it and snapshot its heap from this thread, even while a handler blocks
// it (the inspector answers from its own thread), so workers need no code for it.
import { Session } from 'node:inspector/promises';
import { getHeapSnapshot } from 'node:v8';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { threadId, type Worker } from 'node:worker_threads';
import { watchLoopDelay, type LoopDelay } from './loop-delay.ts';

export interface DiagnosableThread {
  readonly label: string;
  /** Changes when a worker is replaced under the same label. */
  readonly threadId: number;
  /** Delay quantiles since the last reading; undefined when the thread did not answer (blocked) or had no sample. */
  eventLoopDelay(): Promise<LoopDelay | undefined>;
  /** As performance.eventLoopUtilization: the utilisation since `since`, or since the thread started. */
  eventLoopUtilization(since?: EventLoopUtilization): EventLoopUtilization;
  /** Starts V8's CPU profiler; `stop` gives the profile as `.cpuprofile` JSON text. */
  startCpuProfile(): Promise<{ stop(): Promise<string> }>;
  heapSnapshot(): Promise<Readable>;
}

export const MAIN_THREAD = 'main';

/** The main thread; call once (it starts sampling the loop's delay). */
export function mainThread(): DiagnosableThread {
  const readDelay = watchLoopDelay();
  return {
    label: MAIN_THREAD,
    threadId: threadId,
    eventLoopDelay: async () => readDelay(),
    eventLoopUtilization: (since) => performance.eventLoopUtilization(since),
    async startCpuProfile() {
      const session = new Session();
      session.connect();
      try {
        await session.post('Profiler.enable');
        await session.post('Profiler.start');
      } catch (err) {
        session.disconnect();
        throw err;
      }
      return {
        async stop() {
          try {
            const { profile } = await session.post('Profiler.stop');
            return JSON.stringify(profile);
          } finally {
            session.disconnect();
          }
        },
      };
    },
    heapSnapshot: async () => getHeapSnapshot(),
  };
}

/** What of a Worker the diagnostics use (all present on node:worker_threads' Worker). */
export type InspectableWorker = Pick<Worker, 'threadId' | 'performance' | 'startCpuProfile' | 'getHeapSnapshot'>;

/** A review worker; `eventLoopDelay` asks the worker itself (see the pool). */
export function workerThread(label: string, worker: InspectableWorker, eventLoopDelay: () => Promise<LoopDelay | undefined>): DiagnosableThread {
  return {
    label,
    threadId: worker.threadId,
    eventLoopDelay,
    eventLoopUtilization: (since) => worker.performance.eventLoopUtilization(since),
    async startCpuProfile() {
      const handle = await worker.startCpuProfile();
      return { stop: async () => handle.stop() };
    },
    heapSnapshot: () => worker.getHeapSnapshot(),
  };
}
