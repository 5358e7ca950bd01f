// Prometheus metrics. Labels are bounded: webhook names come from the
// configuration, operations and decisions from fixed sets; never a namespace,
// name or uid.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  reviews: Counter<'webhook' | 'operation' | 'decision'>;
  duration: Histogram<'webhook'>;
  inFlight: Gauge<'webhook'>;
  aborts: Counter<'webhook' | 'kind'>;
  failureAnswers: Counter<'webhook' | 'cause'>;
  lateResults: Counter<'webhook'>;
  workerReplacements: Counter<'reason'>;
  reclaimedReviews: Counter;
  certNotAfter: Gauge<'role'>;
  certRotations: Counter<'role'>;
  certErrors: Counter<'operation'>;
  tlsHandshakeFailures: Counter;
  /** Every request the webhook listener answered, reviews and refusals alike. */
  webhookRequests: Counter<'route' | 'method' | 'code'>;
  shedRequests: Counter<'reason'>;
  /** Reports the worker pool's size and state at each scrape. */
  trackPool(stats: () => { size: number; ready: number; stalled: number }, heapUsed?: () => Promise<number>): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    reviews: new Counter({
      name: 'kadmit_admission_reviews_total',
      help: 'Admission reviews answered, by webhook, operation and decision (allowed, denied, mutated, skipped by a guard, error, invalid).',
      labelNames: ['webhook', 'operation', 'decision'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'kadmit_admission_review_duration_seconds',
      help: 'Time from a review arriving to its answer being handed to the socket.',
      labelNames: ['webhook'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: 'kadmit_admission_in_flight',
      help: 'Reviews received and not yet answered, by webhook.',
      labelNames: ['webhook'],
      registers: [registry],
    }),
    aborts: new Counter({
      name: 'kadmit_admission_aborts_total',
      help: 'Reviews whose signal aborted, by webhook and kind (client-disconnected, deadline-exceeded, shutdown).',
      labelNames: ['webhook', 'kind'],
      registers: [registry],
    }),
    failureAnswers: new Counter({
      name: 'kadmit_admission_failure_policy_answers_total',
      help: "Reviews answered by the webhook's failurePolicy, by cause (deadline-exceeded, shutdown, handler-error, executor-error, kind-not-handled).",
      labelNames: ['webhook', 'cause'],
      registers: [registry],
    }),
    lateResults: new Counter({
      name: 'kadmit_admission_late_results_total',
      help: 'Handler results that arrived after the review was answered or abandoned, and were discarded.',
      labelNames: ['webhook'],
      registers: [registry],
    }),
    workerReplacements: new Counter({
      name: 'kadmit_worker_replacements_total',
      help: 'Review workers replaced, by reason (stalled: blocked past a deadline; exited).',
      labelNames: ['reason'],
      registers: [registry],
    }),
    reclaimedReviews: new Counter({
      name: 'kadmit_worker_reclaimed_reviews_total',
      help: 'Reviews taken back from a stalled worker before it started them, and run on another.',
      registers: [registry],
    }),
    certNotAfter: new Gauge({
      name: 'kadmit_certificate_not_after_timestamp_seconds',
      help: 'When each certificate kadmit holds expires (unix seconds), by role (ca, next-ca, serving).',
      labelNames: ['role'],
      registers: [registry],
    }),
    certRotations: new Counter({
      name: 'kadmit_certificate_rotations_total',
      help: 'Certificates put into service, by role (ca, serving).',
      labelNames: ['role'],
      registers: [registry],
    }),
    certErrors: new Counter({
      name: 'kadmit_certificate_errors_total',
      help: 'Failed certificate operations, by operation.',
      labelNames: ['operation'],
      registers: [registry],
    }),
    tlsHandshakeFailures: new Counter({
      name: 'kadmit_tls_handshake_failures_total',
      help: 'TLS handshakes on the webhook listener that failed.',
      registers: [registry],
    }),
    webhookRequests: new Counter({
      name: 'kadmit_webhook_requests_total',
      help: "HTTP requests the webhook listener answered, by route (a webhook path, or 'unmatched'), method and status code ('none': the client left before an answer).",
      labelNames: ['route', 'method', 'code'],
      registers: [registry],
    }),
    shedRequests: new Counter({
      name: 'kadmit_requests_shed_total',
      help: 'Reviews refused with HTTP 429 before their body was read, by reason (memory: near the memory limit).',
      labelNames: ['reason'],
      registers: [registry],
    }),
    trackPool(stats, heapUsed) {
      if (heapUsed) new Gauge({
        name: 'kadmit_worker_heap_used_bytes',
        help: "V8 heap in use across the review workers (the main thread's is nodejs_heap_size_used_bytes).",
        registers: [registry],
        async collect() {
          this.set(await heapUsed());
        },
      });
      new Gauge({
        name: 'kadmit_worker_pool_workers',
        help: 'Review workers by state (configured, ready, stalled).',
        labelNames: ['state'],
        registers: [registry],
        collect() {
          const s = stats();
          this.set({ state: 'configured' }, s.size);
          this.set({ state: 'ready' }, s.ready);
          this.set({ state: 'stalled' }, s.stalled);
        },
      });
    },
  };
}
