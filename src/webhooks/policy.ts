// A policy is a module that makes webhooks from settings: the configuration
// chooses which policies run and passes each its settings, checked by the
// policy's own zod schema. Like a webhook, it is a plain module export, so a
// worker thread can build the same webhooks from the same settings.
import type { z } from 'zod';
import type { Webhook } from '../model/webhook.ts';

export interface PolicySpec<S> {
  /** Settings schema; its defaults apply when the configuration gives none. */
  settings: z.ZodType<S>;
  webhooks(settings: S): Webhook | readonly Webhook[];
}

export interface Policy<S = unknown> extends PolicySpec<S> {
  readonly type: 'policy';
}

export function definePolicy<S>(spec: PolicySpec<S>): Policy<S> {
  return Object.freeze({ type: 'policy', ...spec });
}

export function isPolicy(value: unknown): value is Policy {
  const p = value as Partial<Policy> | null;
  return typeof p === 'object' && p !== null && p.type === 'policy' && typeof p.webhooks === 'function' && typeof p.settings === 'object';
}
