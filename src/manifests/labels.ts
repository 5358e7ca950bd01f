// Labels every rendered object carries; the selector is the stable subset
// (a Deployment's selector cannot change, so it never includes the version).
import type { ManifestConfig } from './config.ts';
import { KADMIT_VERSION } from '../version.ts';

export function selectorLabels(config: ManifestConfig): Record<string, string> {
  return { 'app.kubernetes.io/name': 'kadmit', 'app.kubernetes.io/instance': config.serviceName };
}

export function commonLabels(config: ManifestConfig): Record<string, string> {
  return { ...selectorLabels(config), 'app.kubernetes.io/version': KADMIT_VERSION };
}

export function metadata(config: ManifestConfig, name: string, namespaced = true): Record<string, unknown> {
  return { name, ...(namespaced && { namespace: config.namespace }), labels: commonLabels(config) };
}
