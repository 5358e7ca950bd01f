// Turns tracing on for this process when the environment asks for it. The SDK
// is imported here and only here, dynamically: with tracing off it is never loaded.
import type { Logger } from 'pino';
import { installTracing } from './active.ts';
import { tracingConfig } from './config.ts';
import type { WireSpan } from './wire-spans.ts';

/**
 * Reads the OTEL_* variables and, when they ask for an exporter, installs the
 * main thread's tracing. Returns whether tracing is on; a bad value throws
 * KADMIT_OTEL_CONFIG naming the variable.
 */
export async function startTracing(env: Readonly<Record<string, string | undefined>>, log: Logger): Promise<boolean> {
  const config = tracingConfig(env);
  if (config === undefined) return false;
  const { mainThreadTracing } = await import('./sdk.ts');
  installTracing(mainThreadTracing(config, log));
  const sampler = `${config.sampler.parentBased ? 'parentbased_' : ''}${config.sampler.root}`;
  log.info({ exporters: config.exporters, endpoint: config.otlp.url, protocol: config.otlp.protocol, sampler, ratio: config.sampler.ratio, serviceName: config.serviceName }, 'tracing on');
  return true;
}

/** A review worker's tracing, started when the main thread's is on: spans go to `post`. */
export async function startWorkerTracing(post: (spans: WireSpan[]) => void): Promise<void> {
  const { workerTracing } = await import('./sdk.ts');
  installTracing(workerTracing(post));
}
