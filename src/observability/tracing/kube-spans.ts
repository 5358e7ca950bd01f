// A span for each Kubernetes API request a handler makes, named like the
// apiserver's own audit and metrics do: by verb and resource ("get secrets",
// "list pods", "patch deployments/scale").
import { activeTracing, endWhenSettled, type SpanAttributes } from './active.ts';
import type { SpanRef } from './traceparent.ts';
import type { SendAround } from '../../kube/client.ts';

export interface KubeRequest {
  verb: string;
  resource: string;
  group?: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

const MAX_PATH = 2048;
const MAX_SEGMENT = 253;
const VERBS: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch' };

/** The verb and resource of an API request, from its method and URL (unknown parts are left out). */
export function describeKubeRequest(method: string, url: string): KubeRequest {
  const upper = method.toUpperCase();
  let path: string;
  let query: URLSearchParams;
  try {
    const parsed = new URL(url);
    path = parsed.pathname;
    query = parsed.searchParams;
  } catch {
    return { verb: upper.toLowerCase().slice(0, 16), resource: 'unknown' };
  }
  const segments = path.length > MAX_PATH ? [] : path.split('/').filter((s) => s !== '').map((s) => s.slice(0, MAX_SEGMENT));
  let group: string | undefined;
  let rest: string[];
  if (segments[0] === 'api') rest = segments.slice(2);
  else if (segments[0] === 'apis') {
    group = segments[1];
    rest = segments.slice(3);
  } else rest = [];
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource = 'unknown', name, subresource] = rest;
  const watching = query.get('watch') === 'true' || query.get('watch') === '1';
  const verb = upper === 'GET' ? (watching ? 'watch' : name === undefined ? 'list' : 'get')
    : upper === 'DELETE' ? (name === undefined ? 'deletecollection' : 'delete')
    : VERBS[upper] ?? upper.toLowerCase().slice(0, 16);
  return { verb, resource, ...(group && { group }), ...(namespace && { namespace }), ...(name && { name }), ...(subresource && { subresource }) };
}

/** The wrapper that traces a handler's API requests under `parent`; undefined when the review is not traced. */
export function kubeRequestSpans(parent: SpanRef | undefined): SendAround | undefined {
  const tracing = activeTracing();
  if (parent === undefined || tracing === undefined) return undefined;
  return (method, url, send) => {
    const r = describeKubeRequest(method, url);
    const attributes: SpanAttributes = {
      'http.request.method': method.toUpperCase().slice(0, 16),
      'kadmit.kube.verb': r.verb,
      'kadmit.kube.resource': r.resource,
      'kadmit.kube.group': r.group,
      'kadmit.kube.subresource': r.subresource,
      'kadmit.kube.name': r.name,
      'k8s.namespace.name': r.namespace,
    };
    const span = tracing.start(`${r.verb} ${r.resource}${r.subresource ? `/${r.subresource}` : ''}`, 'client', parent, attributes);
    return endWhenSettled(span, send().then((response) => {
      span.set({ 'http.response.status_code': response.httpStatusCode });
      if (response.httpStatusCode >= 400) span.fail(`HTTP ${response.httpStatusCode}`);
      return response;
    }));
  };
}
