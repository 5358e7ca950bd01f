// Kubernetes Events (core/v1) for rotations and failures — best effort: a
// missing RBAC permission or an API outage must never disturb the caller.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { CoreV1Event } from '@kubernetes/client-node';
import { kubeCall, type Kube } from './kube.ts';

export interface EventInput {
  // Namespace of the Event; for a cluster-scoped object client-go uses "default".
  namespace: string;
  involvedObject: { apiVersion?: string; kind: string; name: string; namespace?: string; uid?: string };
  type: 'Normal' | 'Warning';
  reason: string; // UpperCamelCase, e.g. CARotated
  message: string;
  component?: string;
  instance?: string;
}

const MAX_MESSAGE = 1024;

export function buildEvent(input: EventInput, now = new Date()): CoreV1Event {
  // <object>.<hex time><random>, unique per event like client-go's recorder.
  const name = `${input.involvedObject.name}.${now.getTime().toString(16)}${randomBytes(3).toString('hex')}`;
  const component = input.component ?? 'kadmit';
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: input.namespace },
    involvedObject: { ...input.involvedObject },
    type: input.type,
    reason: input.reason,
    message: input.message.length > MAX_MESSAGE ? `${input.message.slice(0, MAX_MESSAGE - 3)}...` : input.message,
    source: { component },
    reportingComponent: component,
    reportingInstance: input.instance ?? hostname(),
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  };
}

// Resolves true when the Event was stored, false otherwise (never rejects).
export async function recordEvent(kube: Kube, input: EventInput, opts: { timeoutMs?: number; onError?: (err: unknown) => void } = {}): Promise<boolean> {
  try {
    const body = buildEvent(input);
    await kubeCall(kube, `create event ${input.namespace}/${body.metadata.name}`, (c) => c.core.createNamespacedEvent({ namespace: input.namespace, body }), { timeoutMs: opts.timeoutMs ?? 5000 });
    return true;
  } catch (err) {
    opts.onError?.(err);
    return false;
  }
}
