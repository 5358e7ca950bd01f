// The per-thread event-loop gauges: utilisation since the last scrape (a
// replaced worker starts afresh under its slot's label), delay quantiles from
// each thread that answers, and no label left behind by a thread that is gone.
import t from 'tap';
import { Registry } from 'prom-client';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { trackEventLoops } from '../../src/observability/event-loop-metrics.ts';
import type { DiagnosableThread } from '../../src/observability/threads.ts';
import type { LoopDelay } from '../../src/observability/loop-delay.ts';

/** A thread whose loop has been `active` ms busy out of `active + idle`, as the test sets them. */
function fakeThread(label: string, threadId: number, delay?: LoopDelay) {
  const clock = { idle: 0, active: 0 };
  const thread: DiagnosableThread = {
    label,
    threadId,
    eventLoopUtilization(since?: EventLoopUtilization) {
      const idle = clock.idle - (since?.idle ?? 0);
      const active = clock.active - (since?.active ?? 0);
      return { idle, active, utilization: active / (idle + active) };
    },
    eventLoopDelay: async () => delay,
    startCpuProfile: () => Promise.reject(new Error('not used')),
    heapSnapshot: () => Promise.reject(new Error('not used')),
  };
  return { thread, clock };
}

async function values(registry: Registry, name: string): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric(name)!.get();
  return Object.fromEntries(metric.values.map((v) => [Object.values(v.labels).join(','), v.value]));
}

t.test('utilisation is since the last scrape; a replaced worker starts afresh', async (t) => {
  const registry = new Registry();
  const main = fakeThread('main', 0);
  let worker = fakeThread('worker-0', 1);
  let threads = [main.thread, worker.thread];
  trackEventLoops(registry, () => threads);

  main.clock.active = 100;
  main.clock.idle = 300;
  worker.clock.active = 900;
  worker.clock.idle = 100;
  t.same(await values(registry, 'kadmit_event_loop_utilization'), { main: 0.25, 'worker-0': 0.9 });

  main.clock.active += 50; // the next interval: half busy
  main.clock.idle += 50;
  worker = fakeThread('worker-0', 2); // replaced: its own lifetime, not a difference with the old one's
  worker.clock.active = 10;
  worker.clock.idle = 90;
  threads = [main.thread, worker.thread];
  t.same(await values(registry, 'kadmit_event_loop_utilization'), { main: 0.5, 'worker-0': 0.1 });

  threads = [main.thread];
  main.clock.idle += 100;
  t.same(await values(registry, 'kadmit_event_loop_utilization'), { main: 0 }, 'a gone worker leaves no series');
});

t.test('delay quantiles from the threads that answer', async (t) => {
  const registry = new Registry();
  const quantiles = { '0.5': 0.011, '0.9': 0.012, '0.99': 0.05, '1': 0.2 };
  const threads = [fakeThread('main', 0, { quantiles }).thread, fakeThread('worker-0', 1, undefined).thread];
  trackEventLoops(registry, () => threads);
  t.same(await values(registry, 'kadmit_event_loop_delay_seconds'), { 'main,0.5': 0.011, 'main,0.9': 0.012, 'main,0.99': 0.05, 'main,1': 0.2 });
});
