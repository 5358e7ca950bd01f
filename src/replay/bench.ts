// `kadmit bench`: per-webhook latency on fixtures. Each webhook is measured on
// its own, cycling through its fixtures, after a warm-up that is not counted.
import type { Sender } from './answer.ts';
import type { ReplayCase } from './types.ts';
import type { Webhook } from '../model/webhook.ts';
import { latencyStats, type LatencyStats } from './bench-stats.ts';

export interface BenchOptions {
  /** Measure each webhook for this long... */
  durationMs: number;
  /** ...or until this many requests, whichever comes first. */
  maxRequests: number | undefined;
  warmup: number;
  concurrency: number;
}

export interface WebhookBench extends LatencyStats {
  webhook: string;
  path: string;
  fixtures: number;
  /** Calls with no 2xx answer; they are not in the latency samples. */
  errors: number;
  durationMs: number;
}

export interface BenchReport {
  kadmit: 'bench';
  version: 1;
  mode: 'in-process' | 'url';
  concurrency: number;
  webhooks: WebhookBench[];
}

interface Body {
  bytes: Buffer;
  timeout: string;
}

export function groupByWebhook(cases: readonly ReplayCase[]): { webhook: Webhook; bodies: Body[] }[] {
  const groups = new Map<string, { webhook: Webhook; bodies: Body[] }>();
  for (const c of cases) {
    // The apiserver would not send it: it is not part of the webhook's load.
    if (!c.match.sent) continue;
    const group = groups.get(c.webhook.name) ?? { webhook: c.webhook, bodies: [] };
    group.bodies.push({ bytes: Buffer.from(JSON.stringify(c.review)), timeout: c.timeout });
    groups.set(c.webhook.name, group);
  }
  return [...groups.values()];
}

async function measure(sender: Sender, webhook: Webhook, bodies: readonly Body[], options: BenchOptions): Promise<WebhookBench> {
  let next = 0;
  const take = () => bodies[next++ % bodies.length]!;
  for (let i = 0; i < options.warmup; i++) {
    const body = take();
    await sender.send(webhook, body.bytes, body.timeout);
  }
  next = 0;
  const samples: number[] = [];
  let errors = 0;
  let started = 0;
  const begin = performance.now();
  const end = begin + options.durationMs;
  const worker = async () => {
    while (performance.now() < end && (options.maxRequests === undefined || started < options.maxRequests)) {
      started++;
      const body = take();
      const answer = await sender.send(webhook, body.bytes, body.timeout);
      if (answer.error === undefined && answer.httpStatus >= 200 && answer.httpStatus <= 206) samples.push(answer.latencyMs);
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const elapsed = performance.now() - begin;
  return { webhook: webhook.name, path: webhook.path, fixtures: bodies.length, errors, durationMs: Number(elapsed.toFixed(1)), ...latencyStats(samples, elapsed) };
}

export async function runBench(cases: readonly ReplayCase[], sender: Sender, options: BenchOptions): Promise<BenchReport> {
  const webhooks: WebhookBench[] = [];
  for (const { webhook, bodies } of groupByWebhook(cases)) webhooks.push(await measure(sender, webhook, bodies, options));
  return { kadmit: 'bench', version: 1, mode: sender.mode, concurrency: options.concurrency, webhooks };
}
