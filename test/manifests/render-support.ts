// Renders the manifests in-process, the way `kadmit manifests` does.
import { loadWebhooks } from '../../src/webhooks/load.ts';
import { resolveManifestConfig } from '../../src/cli/manifests-command.ts';
import { renderObjects } from '../../src/manifests/render.ts';
import type { ManifestConfig } from '../../src/manifests/config.ts';
import type { K8sObject } from '../../src/manifests/objects.ts';
import type { Webhook } from '../../src/model/webhook.ts';

export interface RenderedSet {
  config: ManifestConfig;
  webhooks: Webhook[];
  objects: K8sObject[];
  find(kind: string): any;
}

export async function render(argv: string[] = []): Promise<RenderedSet> {
  const { config } = resolveManifestConfig(argv);
  const webhooks = (await loadWebhooks(config.webhooks, config.settings)).map((l) => l.webhook);
  const objects = renderObjects(webhooks, config).map((r) => r.object);
  return {
    config,
    webhooks,
    objects,
    find(kind: string) {
      const found = objects.filter((o) => o.kind === kind);
      if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
      return found[0];
    },
  };
}

/** The environment the Deployment gives kadmit's container, with the downward API resolved. */
export function containerEnv(deployment: any, namespace: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of deployment.spec.template.spec.containers[0].env) {
    if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[e.name] = namespace;
    else env[e.name] = e.value;
  }
  return env;
}
