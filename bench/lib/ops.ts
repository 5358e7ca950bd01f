// Reads kadmit's ops listener (/metrics, plain HTTP on loopback): the worker
// pool's size, the watchdog's replacements and the failurePolicy answers.
// Scraped outside the measured window, since a scrape costs the server CPU.
import http from 'node:http';
import { BenchError } from './errors.ts';

function get(port: number, path: string, timeoutMs = 5_000, agent: http.Agent | false = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (s: string) => (text += s));
      res.once('end', () => (res.statusCode === 200 ? resolve(text) : reject(new BenchError(`GET ${path} on the ops port answered ${res.statusCode}`))));
      res.once('error', reject);
    });
    req.once('timeout', () => req.destroy(new Error(`GET ${path} on the ops port: no answer within ${timeoutMs} ms`)));
    req.once('error', reject);
  });
}

/** Sum of a metric's samples whose labels contain `match` (e.g. `state="ready"`); 0 when it has none. */
export function metricSum(text: string, name: string, match = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== ' ' && line[name.length] !== '{')) continue;
    const labels = line[name.length] === '{' ? line.slice(name.length, line.indexOf('}') + 1) : '';
    if (match && !labels.includes(match)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

export interface PoolState {
  /** Configured pool size; 0 when kadmit runs handlers inline (no pool metric). */
  size: number;
  ready: number;
  stalled: number;
  /** kadmit_worker_replacements_total, all reasons. */
  replaced: number;
  /** kadmit_admission_failure_policy_answers_total, all webhooks and causes. */
  failureAnswers: number;
}

export async function poolState(opsPort: number): Promise<PoolState> {
  const text = await get(opsPort, '/metrics');
  return {
    size: metricSum(text, 'kadmit_worker_pool_workers', 'state="configured"'),
    ready: metricSum(text, 'kadmit_worker_pool_workers', 'state="ready"'),
    stalled: metricSum(text, 'kadmit_worker_pool_workers', 'state="stalled"'),
    replaced: metricSum(text, 'kadmit_worker_replacements_total'),
    failureAnswers: metricSum(text, 'kadmit_admission_failure_policy_answers_total'),
  };
}

/** Waits until every worker is ready and none is stalled (replacements started); returns the last state. */
export async function waitPoolSettled(opsPort: number, timeoutMs = 15_000): Promise<{ state: PoolState; settled: boolean }> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const state = await poolState(opsPort);
    if (state.ready === state.size && state.stalled === 0) return { state, settled: true };
    if (Date.now() > until) return { state, settled: false };
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface PoolSamples {
  samples: number;
  /** Samples in which no worker could take a review (all starting, stalled or being replaced). */
  noneUsable: number;
  /** Samples in which every configured worker could. */
  allUsable: number;
}

/**
 * Samples the pool every `everyMs` during a run from /debug/inflight (cheaper for
 * the server than /metrics): how often no worker could take a review explains
 * the latency of the measured load while spinning handlers are being killed.
 */
export function samplePool(opsPort: number, everyMs: number): { stop(): Promise<PoolSamples> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const counts: PoolSamples = { samples: 0, noneUsable: 0, allUsable: 0 };
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const { workers } = JSON.parse(await get(opsPort, '/debug/inflight', 2_000, agent)) as { workers?: { size: number; ready: number; stalled: number } | null };
        if (workers) {
          const usable = workers.ready - workers.stalled;
          counts.samples++;
          if (usable <= 0) counts.noneUsable++;
          if (usable >= workers.size) counts.allUsable++;
        }
      } catch {
        // A missed sample is no result; the run itself reports errors.
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      agent.destroy();
      return counts;
    },
  };
}
