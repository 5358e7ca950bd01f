// Event-loop health per thread, read at each scrape: utilisation (the share of
// time the loop was busy since the last scrape, 0..1) and delay quantiles (how
// late a 10 ms timer ran since the last scrape). A busy main thread delays
// probes, deadline answers and TLS; a busy worker, only the reviews it holds.
import { Gauge, type Registry } from 'prom-client';
import type { EventLoopUtilization } from 'node:perf_hooks';
import type { DiagnosableThread } from './threads.ts';

export function trackEventLoops(registry: Registry, threads: () => readonly DiagnosableThread[]): void {
  // The reading at the last scrape, by label; a replaced worker starts afresh.
  const last = new Map<string, { threadId: number; elu: EventLoopUtilization }>();
  new Gauge({
    name: 'kadmit_event_loop_utilization',
    help: "Share of time each thread's event loop was busy since the last scrape (0..1), by thread (main, worker-0, ...).",
    labelNames: ['thread'],
    registers: [registry],
    collect() {
      this.reset();
      const current = threads();
      for (const thread of current) {
        const previous = last.get(thread.label);
        const now = thread.eventLoopUtilization();
        const since = previous?.threadId === thread.threadId ? thread.eventLoopUtilization(previous.elu) : now;
        this.set({ thread: thread.label }, since.utilization);
        last.set(thread.label, { threadId: thread.threadId, elu: now });
      }
      for (const label of last.keys()) if (!current.some((t) => t.label === label)) last.delete(label);
    },
  });
  new Gauge({
    name: 'kadmit_event_loop_delay_seconds',
    help: "How late each thread's event loop ran a 10 ms timer since the last scrape, by thread and quantile (1: the longest). A blocked worker does not answer and is left out; its utilisation shows it.",
    labelNames: ['thread', 'quantile'],
    registers: [registry],
    async collect() {
      const current = threads();
      const delays = await Promise.all(current.map((t) => t.eventLoopDelay()));
      this.reset();
      current.forEach((thread, i) => {
        for (const [quantile, seconds] of Object.entries(delays[i]?.quantiles ?? {})) this.set({ thread: thread.label, quantile }, seconds);
      });
    },
  });
}
