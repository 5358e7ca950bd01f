// Untyped requests through client-node's own HTTP stack (auth, TLS, undici),
// for what its typed API does not do well: streaming watches, and lists whose
// items must keep the wire form (client-node's typed models drop unknown
// fields and turn timestamps into Dates).
import { HttpMethod, IsomorphicFetchHttpLibrary, RequestContext, type KubeConfig, type ResponseContext } from '@kubernetes/client-node';
import { linkSignals } from './abort.ts';
import { USER_AGENT } from './client.ts';
import { fromHttpStatus, KubeApiError, KubeErrorCode, toKubeError } from './errors.ts';
import type { Kube, KubeRequestOptions } from './kube.ts';
import { sharedDispatcherAuth } from './shared-dispatcher.ts';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

export interface KubeList<T extends KubeObject = KubeObject> {
  apiVersion?: string;
  kind?: string;
  metadata?: { resourceVersion?: string };
  items: T[];
}

const http = new IsomorphicFetchHttpLibrary();

export function apiUrl(kc: KubeConfig, path: string, query: Record<string, string | undefined> = {}): string {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new KubeApiError(KubeErrorCode.Config, 'kubeconfig has no current cluster');
  const url = new URL(cluster.server.replace(/\/+$/, '') + path);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}

// Send one GET with `signal`; the response body is left unread.
export async function rawGet(kc: KubeConfig, path: string, query: Record<string, string | undefined>, signal: AbortSignal): Promise<ResponseContext> {
  signal.throwIfAborted();
  const ctx = new RequestContext(apiUrl(kc, path, query), HttpMethod.GET);
  ctx.setHeaderParam('Accept', 'application/json');
  ctx.setHeaderParam('User-Agent', USER_AGENT);
  await sharedDispatcherAuth(kc).applySecurityAuthentication(ctx);
  ctx.setSignal(signal);
  return http.send(ctx).toPromise();
}

// GET a JSON document; non-2xx answers become KubeApiErrors.
export async function getJson<T>(kube: Kube, path: string, query: Record<string, string | undefined>, what: string, opts: KubeRequestOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? kube.requestTimeoutMs;
  const linked = linkSignals([kube.signal, opts.signal], timeoutMs, () => new KubeApiError(KubeErrorCode.Timeout, `${what}: no answer within ${timeoutMs} ms`));
  try {
    const resp = await rawGet(kube.kc, path, query, linked.signal);
    const text = await resp.body.text();
    if (resp.httpStatusCode < 200 || resp.httpStatusCode > 299) throw fromHttpStatus(resp.httpStatusCode, text, what, resp.headers);
    return JSON.parse(text) as T;
  } catch (err) {
    // Aborted: report why (the caller's reason, or our time limit), not how fetch noticed.
    if (linked.signal.aborted) throw linked.signal.reason;
    throw toKubeError(err, what);
  } finally {
    linked.dispose();
  }
}

// LIST with the items' apiVersion/kind filled in (built-in lists omit them).
export async function listObjects<T extends KubeObject>(kube: Kube, path: string, query: { labelSelector?: string; fieldSelector?: string }, opts?: KubeRequestOptions): Promise<KubeList<T>> {
  const list = await getJson<KubeList<T>>(kube, path, { ...query }, `list ${path}`, opts);
  const kind = list.kind?.replace(/List$/, '');
  for (const item of list.items ?? []) {
    item.apiVersion ??= list.apiVersion;
    if (kind) item.kind ??= kind;
  }
  list.items ??= [];
  return list;
}
