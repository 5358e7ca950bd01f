// Where the Deployment's replicas keep their certificates. In a cluster every
// replica must serve leaves from one shared CA, held in a Secret; serve's
// `certStore` setting chooses that store once serve offers it. The emptyDir
// mounted at CERT_MOUNT is kadmit's only writable path either way.
import { SERVE_OPTIONS, type OptionSpec } from '../config/options.ts';
import type { ManifestConfig } from './config.ts';

export const CERT_MOUNT = '/var/run/kadmit';
export const CERT_DIR = `${CERT_MOUNT}/certs`;

/** The Secret holding the shared CA state; RBAC grants access to this name only. */
export function certSecretName(config: ManifestConfig): string {
  return `${config.serviceName}-ca`;
}

/** `certStore: secret` when serve has that setting and the config file did not choose. */
export function certStoreEnv(config: ManifestConfig): { name: string; value: string }[] {
  const option = (SERVE_OPTIONS as readonly OptionSpec[]).find((o) => o.key === 'certStore');
  if (!option || config.serve.certStore !== undefined) return [];
  return [{ name: option.env, value: 'secret' }];
}
