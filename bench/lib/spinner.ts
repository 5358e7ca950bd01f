// The side load of the spinning-handler scenario: while wrk drives the normal
// webhook, one review a second goes to a handler that never yields. Each should
// be answered by failurePolicy (Fail: allowed false, code 504) at its deadline
// while the watchdog replaces the worker it blocked.
import { post } from './probe.ts';

export interface SpinStats {
  sent: number;
  /** Answered HTTP 200 with `allowed: false` and `status.code` 504: the deadline answer. */
  answered504: number;
  /** Any other answer (a decision, another status): the spinning handler was not caught as expected. */
  answeredOther: number;
  /** No answer at all (connection error, our own timeout). */
  failed: number;
  /** Time from sending to the answer, ms, for answered ones. */
  latencyMs: number[];
}

export interface Spinner {
  /** Stops sending and waits for every request already sent. */
  stop(): Promise<SpinStats>;
}

export function startSpinner(url: string, body: Buffer, ca: Buffer, everyMs: number): Spinner {
  const stats: SpinStats = { sent: 0, answered504: 0, answeredOther: 0, failed: 0, latencyMs: [] };
  const pending = new Set<Promise<void>>();
  const once = () => {
    stats.sent++;
    const t0 = performance.now();
    const p = post(url, body, ca, 10_000).then(
      (reply) => {
        stats.latencyMs.push(performance.now() - t0);
        if (reply.status === 200 && isDeadlineAnswer(reply.text)) stats.answered504++;
        else stats.answeredOther++;
      },
      () => void stats.failed++,
    ).finally(() => pending.delete(p));
    pending.add(p);
  };
  once();
  const timer = setInterval(once, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(pending);
      return stats;
    },
  };
}

function isDeadlineAnswer(text: string): boolean {
  try {
    const r = (JSON.parse(text) as { response?: { allowed?: unknown; status?: { code?: unknown } } }).response;
    return r?.allowed === false && r.status?.code === 504;
  } catch {
    return false;
  }
}
