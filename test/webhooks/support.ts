// Reviews for the webhook tests, built the way the apiserver fills them (the
// replay shorthand), and the pipeline run on this thread with the built-in schemas.
import { Writable } from 'node:stream';
import type { AdmissionRequest, RawObject } from '../../src/model/request.ts';
import { runReview } from '../../src/admission/pipeline.ts';
import type { ReviewOutcome } from '../../src/model/outcome.ts';
import { httpAnswer } from '../../src/transport/http-answer.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { buildShorthandReview, type Shorthand } from '../../src/replay/review.ts';
import { SchemaRegistry } from '../../src/schemas/registry.ts';
import type { Webhook } from '../../src/model/webhook.ts';

export const schemas = SchemaRegistry.builtin();
const quiet = createLogger('silent');

export function pod(labels: Record<string, string> = {}, namespace = 'shop'): RawObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace, labels }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } };
}

export function deployment(): RawObject {
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } };
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { matchLabels: { app: 'web' } }, template } };
}

/** The request the apiserver would send for this shorthand (object, operation, ...). */
export function request(shorthand: Shorthand): AdmissionRequest {
  return buildShorthandReview(shorthand).request as unknown as AdmissionRequest;
}

/** A logger whose JSON lines are kept, at debug. */
export function capturedLog(): { log: ReturnType<typeof createLogger>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger('debug', sink), lines };
}

export interface Reviewed {
  outcome: ReviewOutcome;
  response: { uid: string; allowed: boolean; status?: { code: number; message: string; reason: string }; patch?: string; warnings?: string[] };
}

/** Runs the pipeline `kadmit serve` runs in a worker, on this thread. */
export async function review(webhook: Webhook, shorthand: Shorthand): Promise<Reviewed> {
  const body = new TextEncoder().encode(JSON.stringify(buildShorthandReview(shorthand)));
  const outcome = await runReview(webhook, body, { signal: new AbortController().signal, deadline: Date.now() + 10_000, log: quiet, schemas });
  return { outcome, response: (JSON.parse(httpAnswer(outcome).body) as { response: Reviewed['response'] }).response };
}
