// Prometheus metrics. Labels are bounded: webhook names come from the
// configuration, operations and decisions from fixed sets; never a namespace,
// name or uid.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  reviews: Counter<'webhook' | 'operation' | 'decision'>;
  duration: Histogram<'webhook'>;
  inFlight: Gauge<'webhook'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    reviews: new Counter({
      name: 'kadmit_admission_reviews_total',
      help: 'Admission reviews answered, by webhook, operation and decision (allowed, denied, mutated, error, invalid).',
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
  };
}
