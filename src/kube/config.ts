// Where kadmit's KubeConfig comes from, in controller-runtime's order: one
// given in code, an explicit file, $KUBECONFIG, in-cluster service account,
// ~/.kube/config. Unlike client-node's loadFromDefault it never falls back to
// http://localhost:8080 silently: no configuration is an error.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { errorMessage } from '../errors.ts';
import { KubeApiError, KubeErrorCode } from './errors.ts';

export interface LoadKubeConfigOptions {
  kubeConfig?: KubeConfig;
  path?: string;
  context?: string;
  env?: NodeJS.ProcessEnv;
  // Prefix of /var/run/secrets/kubernetes.io/serviceaccount (tests).
  inClusterPrefix?: string;
  home?: string;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

function fail(message: string, cause?: unknown): never {
  throw new KubeApiError(KubeErrorCode.Config, message, cause === undefined ? {} : { cause });
}

function fromFile(path: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
  } catch (err) {
    fail(`cannot load kubeconfig ${path}: ${errorMessage(err)}`, err);
  }
  return kc;
}

export function loadKubeConfig(opts: LoadKubeConfigOptions = {}): KubeConfig {
  const env = opts.env ?? process.env;
  let kc: KubeConfig | undefined = opts.kubeConfig;
  if (!kc && opts.path) kc = fromFile(opts.path);
  if (!kc && env.KUBECONFIG) {
    const first = env.KUBECONFIG.split(delimiter).find((p) => p !== '' && existsSync(p));
    if (!first) fail(`KUBECONFIG=${env.KUBECONFIG} names no existing file`);
    kc = fromFile(first);
  }
  const prefix = opts.inClusterPrefix ?? '';
  if (!kc && env.KUBERNETES_SERVICE_HOST && existsSync(`${prefix}${SERVICE_ACCOUNT_DIR}/token`)) {
    kc = new KubeConfig();
    // Reads KUBERNETES_SERVICE_HOST/PORT from process.env; the token file is
    // re-read on use, so rotated projected tokens are picked up.
    kc.loadFromCluster(prefix);
  }
  if (!kc) {
    const home = join(opts.home ?? homedir(), '.kube', 'config');
    if (existsSync(home)) kc = fromFile(home);
  }
  if (!kc) fail('no Kubernetes configuration: pass --kubeconfig, set KUBECONFIG, or run in a cluster');
  if (opts.context) {
    if (!kc.getContextObject(opts.context)) fail(`kubeconfig has no context ${opts.context}`);
    kc.setCurrentContext(opts.context);
  }
  if (!kc.getCurrentCluster()) fail('kubeconfig has no current cluster');
  return kc;
}
