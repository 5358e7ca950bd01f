// Which configured webhook a fixture is for: by name or by path, or the only
// one configured when the fixture names none; and whether the apiserver would
// send the fixture's request to it.
import type { Webhook } from '../model/webhook.ts';
import type { RequestMatcher } from './matching.ts';

export type Resolution = { webhook: Webhook } | { problem: string };

export class WebhookIndex {
  readonly webhooks: readonly Webhook[];
  readonly matcher: RequestMatcher;

  constructor(webhooks: readonly Webhook[], matcher: RequestMatcher) {
    this.webhooks = webhooks;
    this.matcher = matcher;
  }

  #list(): string {
    return this.webhooks.map((w) => w.name).join(', ');
  }

  /** `howToName`: what the caller tells its user to do when several webhooks are configured and none is named. */
  resolve(ref: string | undefined, howToName = 'name one with webhook: (name or path) or --target'): Resolution {
    if (ref === undefined) {
      if (this.webhooks.length === 1) return { webhook: this.webhooks[0]! };
      if (this.webhooks.length === 0) return { problem: 'no webhooks are configured' };
      return { problem: `names no webhook, and ${this.webhooks.length} are configured (${this.#list()}): ${howToName}` };
    }
    const byPath = ref.startsWith('/');
    const found = this.webhooks.find((w) => (byPath ? w.path === ref : w.name === ref));
    if (found) return { webhook: found };
    return { problem: `no configured webhook has the ${byPath ? 'path' : 'name'} "${ref}" (configured: ${this.#list()})` };
  }
}
