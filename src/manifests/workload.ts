// kadmit's own Namespace, Service, Deployment and PodDisruptionBudget, built to
// pass the restricted Pod Security Standard (and kadmit's own pod-security).
import { CERT_DIR, CERT_MOUNT, certStoreEnv } from './cert-store.ts';
import { portOf, serveEnv, serveSetting, type ManifestConfig } from './config.ts';
import { metadata, selectorLabels } from './labels.ts';
import type { K8sObject } from './objects.ts';
import { containerResources } from './autoscaling.ts';

/** Review worker threads per pod; matches the CPU limit below. */
const DEFAULT_WORKERS = 2;

export function namespaceObject(config: ManifestConfig): K8sObject {
  const base = metadata(config, config.namespace, false);
  // kadmit's pods meet the restricted standard; the built-in admission enforces it here,
  // where kadmit's own webhooks do not reach (the namespaceSelector skips this namespace).
  const labels = { ...(base.labels as object), 'pod-security.kubernetes.io/enforce': 'restricted' };
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { ...base, labels } };
}

export function serviceObject(config: ManifestConfig): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(config, config.serviceName),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(config),
      ports: [
        // The apiserver calls port 443 of the Service (the webhook configurations name it).
        { name: 'https', port: 443, targetPort: 'webhook', protocol: 'TCP' },
        { name: 'metrics', port: portOf(serveSetting(config, 'opsAddress'), 8080), targetPort: 'ops', protocol: 'TCP' },
      ],
    },
  };
}

/** Seconds the kubelet waits after SIGTERM: kadmit's drain plus its grace, and a margin before SIGKILL. */
export function terminationGraceSeconds(config: ManifestConfig): number {
  const drain = Number(serveSetting(config, 'drainDelayMs'));
  const grace = Number(serveSetting(config, 'shutdownGraceMs'));
  // shutdownGraceMs already counts from SIGTERM and includes the drain.
  return Math.ceil(Math.max(drain, grace) / 1000) + 5;
}

function containerEnv(config: ManifestConfig): { name: string; value?: string; valueFrom?: unknown }[] {
  const env: { name: string; value?: string; valueFrom?: unknown }[] = [
    { name: serveEnv('namespace', '').name, valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    serveEnv('serviceName', config.serviceName),
    serveEnv('webhooks', config.webhooks),
  ];
  if (Object.keys(config.settings).length > 0) env.push(serveEnv('settings', config.settings));
  env.push(serveEnv('certDir', CERT_DIR), ...certStoreEnv(config));
  const serve: Record<string, unknown> = { workers: DEFAULT_WORKERS, ...config.serve };
  for (const key of Object.keys(serve).sort()) env.push(serveEnv(key, serve[key]));
  return env;
}

export function deploymentObject(config: ManifestConfig): K8sObject {
  const selector = selectorLabels(config);
  const webhookPort = portOf(serveSetting(config, 'webhookAddress'), 8443);
  const opsPort = portOf(serveSetting(config, 'opsAddress'), 8080);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(config, config.serviceName),
    spec: {
      // With an autoscaler the HPA owns the count: re-applying must not reset it.
      ...(config.autoscale === undefined && { replicas: config.replicas }),
      revisionHistoryLimit: 5,
      selector: { matchLabels: selector },
      // Never below the desired count during a rollout: admission must stay answered.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: selector },
        spec: {
          serviceAccountName: config.serviceName,
          terminationGracePeriodSeconds: terminationGraceSeconds(config),
          securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
          // Spread replicas over nodes, but still schedule when there are fewer
          // nodes than replicas: an unschedulable webhook blocks the cluster.
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } },
          ],
          containers: [
            {
              name: 'kadmit',
              image: config.image,
              imagePullPolicy: 'IfNotPresent',
              env: containerEnv(config),
              ports: [
                { name: 'webhook', containerPort: webhookPort, protocol: 'TCP' },
                { name: 'ops', containerPort: opsPort, protocol: 'TCP' },
              ],
              startupProbe: { httpGet: { path: '/healthz', port: 'ops' }, periodSeconds: 2, failureThreshold: 30 },
              livenessProbe: { httpGet: { path: '/healthz', port: 'ops' }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
              readinessProbe: { httpGet: { path: '/readyz', port: 'ops' }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 2 },
              resources: containerResources(config),
              securityContext: {
                allowPrivilegeEscalation: false,
                privileged: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [{ name: 'run', mountPath: CERT_MOUNT }],
            },
          ],
          // In memory: private keys never touch the node's disk.
          volumes: [{ name: 'run', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } }],
        },
      },
    },
  };
}

export function podDisruptionBudgetObject(config: ManifestConfig): K8sObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: metadata(config, config.serviceName),
    spec: {
      // maxUnavailable rather than minAvailable: with one replica a drain still proceeds.
      maxUnavailable: 1,
      selector: { matchLabels: selectorLabels(config) },
      // A crash-looping pod must not block node drains.
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  };
}
