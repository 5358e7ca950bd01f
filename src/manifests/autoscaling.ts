// The HorizontalPodAutoscaler (`--autoscale MIN:MAX`) and the CPU request it
// scales on. An HPA's CPU utilisation is usage over the request, so the request
// is sized from what a replica uses at rest and what a review costs: a replica
// is asked to scale out when it averages `--reviews-per-replica` reviews a
// second, and never at rest (sizing.ts says where both figures come from).
import type { ManifestConfig } from './config.ts';
import { metadata } from './labels.ts';
import type { K8sObject } from './objects.ts';
import { IDLE_CPU_MILLICORES, REVIEW_CPU_MICROSECONDS, TARGET_CPU_UTILIZATION } from './sizing.ts';

/** Without --autoscale: what the Deployment has always asked for. */
const FIXED_CPU_REQUEST = '100m';

/** The CPU request that puts a replica at the target utilisation when it serves `reviewsPerSecond`. */
export function cpuRequestMillicores(reviewsPerSecond: number): number {
  const cpuMillicores = IDLE_CPU_MILLICORES + (reviewsPerSecond * REVIEW_CPU_MICROSECONDS) / 1000;
  return Math.ceil(cpuMillicores / (TARGET_CPU_UTILIZATION / 100));
}

export function containerResources(config: ManifestConfig): Record<string, unknown> {
  const cpu = config.autoscale === undefined ? FIXED_CPU_REQUEST : `${cpuRequestMillicores(config.reviewsPerReplica)}m`;
  // Memory as measured with 2 workers (README, "Limits, memory and hostile input"): ~210 MiB idle,
  // 300-350 MiB under a sustained mix, a 371 MiB peak under 21 hostile 7.5 MB bodies; the memory
  // guard sheds new reviews at 85% of the limit.
  return { requests: { cpu, memory: '320Mi' }, limits: { cpu: '2', memory: '512Mi' } };
}

/** Written above the HPA: what it scales at, and why the request is what it is. */
export function autoscalingComment(config: ManifestConfig): string {
  return [
    `Scales on CPU: the Deployment requests ${cpuRequestMillicores(config.reviewsPerReplica)}m CPU per replica, and ${TARGET_CPU_UTILIZATION}% of it is`,
    `a replica's ${IDLE_CPU_MILLICORES}m at rest plus the CPU of ${config.reviewsPerReplica} reviews a second at ${REVIEW_CPU_MICROSECONDS} us each`,
    "(kadmit's bench), so a replica is added when replicas average more. The Deployment leaves its replica count to this autoscaler.",
    'Needs the metrics server.',
  ].join('\n');
}

export function horizontalPodAutoscaler(config: ManifestConfig): K8sObject | undefined {
  const scale = config.autoscale;
  if (scale === undefined) return undefined;
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: metadata(config, config.serviceName),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: config.serviceName },
      minReplicas: scale.min,
      maxReplicas: scale.max,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: TARGET_CPU_UTILIZATION } } }],
      // Out quickly when the write rate climbs; in one replica a minute once it
      // has stayed low for 5 minutes, so a burst does not flap the webhook's endpoints.
      behavior: {
        scaleUp: { stabilizationWindowSeconds: 0 },
        scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
      },
    },
  };
}
