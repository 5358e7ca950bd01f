// The webhooks being served, by path. The listener's routes are fixed when it
// starts; each request asks this table which webhook its path serves now, so
// `kadmit serve --watch` can swap in webhooks loaded from changed code (and a
// path whose webhook was removed answers 404).
import type { Webhook } from '../model/webhook.ts';

export class WebhookTable {
  #byPath: ReadonlyMap<string, Webhook>;

  constructor(webhooks: readonly Webhook[]) {
    this.#byPath = byPath(webhooks);
  }

  get all(): Webhook[] {
    return [...this.#byPath.values()];
  }

  at(path: string): Webhook | undefined {
    return this.#byPath.get(path);
  }

  replace(webhooks: readonly Webhook[]): void {
    this.#byPath = byPath(webhooks);
  }
}

function byPath(webhooks: readonly Webhook[]): ReadonlyMap<string, Webhook> {
  return new Map(webhooks.map((w) => [w.path, w]));
}
