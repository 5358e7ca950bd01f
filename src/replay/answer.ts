// What came back from one call to a webhook, in-process or over HTTPS, before
// anyone has judged it.
import type { Webhook } from '../model/webhook.ts';

export interface Answer {
  /** 0 when there was no HTTP answer at all (see error). */
  httpStatus: number;
  body: string;
  latencyMs: number;
  /** Set when the call itself failed: refused, TLS, no answer in time. */
  error?: string;
}

/** Sends one AdmissionReview body to a webhook with a `?timeout=`, the way the apiserver would. */
export interface Sender {
  readonly mode: 'in-process' | 'url';
  send(webhook: Webhook, body: Buffer, timeout: string): Promise<Answer>;
  close(): Promise<void>;
}
