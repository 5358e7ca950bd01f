// Which configured webhook a fixture is for: by name or by path, or the only
// one configured when the fixture names none.
import type { Webhook } from '../webhooks/define.ts';

export type Resolution = { webhook: Webhook } | { problem: string };

export class WebhookIndex {
  readonly webhooks: readonly Webhook[];

  constructor(webhooks: readonly Webhook[]) {
    this.webhooks = webhooks;
  }

  #list(): string {
    return this.webhooks.map((w) => w.name).join(', ');
  }

  resolve(ref: string | undefined): Resolution {
    if (ref === undefined) {
      if (this.webhooks.length === 1) return { webhook: this.webhooks[0]! };
      if (this.webhooks.length === 0) return { problem: 'no webhooks are configured' };
      return { problem: `names no webhook, and ${this.webhooks.length} are configured (${this.#list()}): name one with webhook: (name or path) or --target` };
    }
    const byPath = ref.startsWith('/');
    const found = this.webhooks.find((w) => (byPath ? w.path === ref : w.name === ref));
    if (found) return { webhook: found };
    return { problem: `no configured webhook has the ${byPath ? 'path' : 'name'} "${ref}" (configured: ${this.#list()})` };
  }
}
