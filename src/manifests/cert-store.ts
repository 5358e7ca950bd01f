// Where the Deployment's replicas keep their certificates. In a cluster every
// replica must serve leaves from one shared CA, held in a Secret (serve's
// `certStore: secret`) unless the configuration chose otherwise. The emptyDir
// mounted at CERT_MOUNT is kadmit's only writable path either way.
import { SERVE_OPTIONS } from '../config/options.ts';
import type { ManifestConfig } from './config.ts';

export const CERT_MOUNT = '/var/run/kadmit';
export const CERT_DIR = `${CERT_MOUNT}/certs`;

/** The Secret holding the shared CA state (serve's default name); RBAC grants access to this name only. */
export function certSecretName(config: ManifestConfig): string {
  const chosen = config.serve.certSecret;
  return typeof chosen === 'string' && chosen !== '' ? chosen : `${config.serviceName}-ca`;
}

/** `certStore: secret` unless the config file chose a store. */
export function certStoreEnv(config: ManifestConfig): { name: string; value: string }[] {
  if (config.serve.certStore !== undefined) return [];
  const option = SERVE_OPTIONS.find((o) => o.key === 'certStore')!;
  return [{ name: option.env, value: 'secret' }];
}
