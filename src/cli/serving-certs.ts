// The serving certificate for `kadmit serve`, by --cert-store: rotated in place
// under --cert-dir (file), kept in a Secret with caBundles in step (secret), or
// read from files another tool maintains (external). Whatever the store, new
// pairs go to the transport through the sink, and `trustedCa()` says what a
// client of this replica trusts, for the readiness self-check.
import type { Logger } from 'pino';
import { createFileCertRotator } from '../certs/file-store.ts';
import { createCertRotator, type RotatorStatus } from '../certs/rotator.ts';
import { createExternalCertificates } from '../certs/external.ts';
import { serviceHostname } from '../certs/names.ts';
import type { BundleTargets, CertMetrics, ServingSink } from '../certs/ports.ts';
import type { ServingMaterial } from '../certs/types.ts';
import { parseGoDuration } from '../admission/deadline.ts';
import { UsageError } from '../config/load.ts';
import { KadmitError } from '../errors.ts';
import type { ServeConfig } from '../config/options.ts';
import type { TargetSelector, CaBundleTargetKind } from '../kube/ca-bundle.ts';

export interface ServingCertificates {
  ready(): Promise<ServingMaterial>;
  /**
   * The CA bundles clients of this replica trust, one per caBundle field in
   * secret mode (each must verify the served certificate); empty when unknown.
   */
  trustedBundles(): Promise<string[]>;
  status(): RotatorStatus | Record<string, unknown>;
  /** Where the CA a local client should trust is, for the start-up log line. */
  describe(): string;
  stop(): Promise<void>;
}

export function targetSelectors(config: ServeConfig): TargetSelector[] {
  if (config.caBundleTargets.length === 0) {
    return [
      { kind: 'ValidatingWebhookConfiguration', name: config.serviceName },
      { kind: 'MutatingWebhookConfiguration', name: config.serviceName },
    ];
  }
  return config.caBundleTargets.map((spec) => {
    const slash = spec.indexOf('/');
    const query = spec.indexOf('?');
    const split = slash >= 0 && (query < 0 || slash < query) ? slash : query;
    const kind = spec.slice(0, split) as CaBundleTargetKind;
    const rest = spec.slice(split + 1);
    return split === slash ? { kind, name: rest } : { kind, labelSelector: rest };
  });
}

export async function startServingCertificates(config: ServeConfig, sink: ServingSink, metrics: CertMetrics, log: Logger): Promise<ServingCertificates> {
  const lifetimes = { caMs: parseGoDuration(config.caLifetime)!, servingMs: parseGoDuration(config.servingLifetime)! };
  const graceMs = parseGoDuration(config.caGrace)!;
  const common = { serviceName: config.serviceName, namespace: config.namespace, sink, log, metrics, lifetimes, graceMs };

  if (config.certStore === 'external') {
    if (config.tlsCertFile === '' || config.tlsKeyFile === '') throw new UsageError('--cert-store external needs --tls-cert-file and --tls-key-file');
    const external = createExternalCertificates({
      certPath: config.tlsCertFile,
      keyPath: config.tlsKeyFile,
      ...(config.tlsCaFile !== '' && { caPath: config.tlsCaFile }),
      hosts: [serviceHostname(config.serviceName, config.namespace)],
      sink, log, metrics,
    });
    external.start();
    return {
      ready: () => external.ready(),
      trustedBundles: async () => (config.tlsCaFile === '' ? [] : [external.material()?.ca ?? '']),
      status: () => ({ ...external.status() }),
      describe: () => (config.tlsCaFile === '' ? `external certificate ${config.tlsCertFile}` : `external CA ${config.tlsCaFile}`),
      stop: () => external.stop(),
    };
  }

  if (config.certStore === 'file') {
    const rotator = createFileCertRotator({ ...common, dir: config.certDir, local: true });
    rotator.start();
    return {
      ready: () => rotator.ready(),
      trustedBundles: async () => [rotator.material()?.ca ?? ''],
      status: () => rotator.status(),
      describe: () => rotator.caPath,
      stop: () => rotator.stop(),
    };
  }

  // secret: the Kubernetes client is loaded only in this mode (it costs a second to import).
  const [{ loadKubeConfig, createKube }, { createSecretDocumentStore }, { createKubeBundleTargets }, { createKubeCertEvents }] = await Promise.all([
    import('../kube/index.ts'),
    import('../certs/kube-secret-store.ts'),
    import('../certs/kube-bundle-targets.ts'),
    import('../certs/kube-events.ts'),
  ]);
  const kc = loadKubeConfig(config.kubeconfig === '' ? {} : { path: config.kubeconfig });
  // Stopping cancels the API calls in flight: a hung apiserver must not hold a
  // shutdown (or a failed start-up) for a whole request timeout.
  const stopping = new AbortController();
  const kube = createKube(kc, { signal: stopping.signal });
  const name = config.certSecret === '' ? `${config.serviceName}-ca` : config.certSecret;
  const targets: BundleTargets = createKubeBundleTargets({ kube, selectors: targetSelectors(config) });
  const rotator = createCertRotator({
    ...common,
    local: false,
    store: createSecretDocumentStore({ kube, namespace: config.namespace, name }),
    targets,
    events: createKubeCertEvents({
      kube,
      namespace: config.namespace,
      involvedObject: { apiVersion: 'v1', kind: 'Secret', name, namespace: config.namespace },
      onError: (err) => log.debug({ err }, 'event not recorded'),
    }),
  });
  rotator.start();
  return {
    ready: () => rotator.ready(),
    // What the apiserver trusts is what the caBundles hold, not what this replica thinks.
    trustedBundles: async () => [...new Set((await targets.read()).map((f) => f.bundle))],
    status: () => rotator.status(),
    describe: () => `Secret ${config.namespace}/${name}`,
    async stop() {
      const stopped = rotator.stop(); // marks it stopped before the calls it waits for are cancelled
      stopping.abort(new KadmitError('KADMIT_CERT_STOPPED', 'certificate rotation stopped'));
      await stopped;
    },
  };
}
