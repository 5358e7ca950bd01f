// client-node API objects whose every request carries one AbortSignal, so a
// handler's deadline or disconnect really cancels its outgoing HTTP request.
//
// How: client-node 2.x sends through an HttpLibrary that passes
// `RequestContext.getSignal()` to undici's fetch. kubeClientFor builds the
// Configuration itself (as KubeConfig.makeApiClient does) with an HttpLibrary
// that stamps the signal on each RequestContext. That is the layer actually
// sending, so per-call `options.middleware` (which *replaces* configured
// middleware by default) cannot drop the signal.
import {
  AdmissionregistrationV1Api,
  ApiextensionsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  IsomorphicFetchHttpLibrary,
  ServerConfiguration,
  createConfiguration,
  setHeaderMiddleware,
  wrapHttpLibrary,
  type Configuration,
  type HttpLibrary,
  type KubeConfig,
} from '@kubernetes/client-node';
import { KubeApiError, KubeErrorCode } from './errors.ts';
import { sharedDispatcherAuth } from './shared-dispatcher.ts';
import type { KubeClients } from '../model/webhook.ts';

export const USER_AGENT = 'kadmit';

/** Wraps the sending of one request (tracing: a span per request); `send` is called once, its answer or failure passed on. */
export type SendAround = <R extends { httpStatusCode: number }>(method: string, url: string, send: () => Promise<R>) => Promise<R>;

/** `around`, when given, wraps each request as it is sent. */
export function signalHttpLibrary(signal: AbortSignal, around?: SendAround): HttpLibrary {
  const inner = new IsomorphicFetchHttpLibrary();
  return wrapHttpLibrary({
    send(ctx) {
      // Already aborted: fail before opening a connection, with the caller's reason.
      if (signal.aborted) return Promise.reject(signal.reason);
      const own = ctx.getSignal();
      ctx.setSignal(own && own !== signal ? AbortSignal.any([own, signal]) : signal);
      return around ? around(ctx.getHttpMethod(), ctx.getUrl(), () => inner.send(ctx).toPromise()) : inner.send(ctx).toPromise();
    },
  });
}

export function signalConfiguration(kc: KubeConfig, signal: AbortSignal, around?: SendAround): Configuration {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new KubeApiError(KubeErrorCode.Config, 'kubeconfig has no current cluster');
  return createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    // One connection pool per KubeConfig instead of client-node's Agent per request.
    authMethods: { default: sharedDispatcherAuth(kc) },
    httpApi: signalHttpLibrary(signal, around),
    middleware: [setHeaderMiddleware('User-Agent', USER_AGENT)],
  });
}

// API clients bound to `signal`: when it aborts, in-flight requests are
// cancelled (the socket is closed) and their promises reject with signal.reason.
// Cheap to create per request; the API objects are built on first use.
export function kubeClientFor(kc: KubeConfig, signal: AbortSignal, around?: SendAround): KubeClients {
  const config = signalConfiguration(kc, signal, around);
  const memo = new Map<string, unknown>();
  const lazy = <T>(key: string, make: () => T): T => {
    if (!memo.has(key)) memo.set(key, make());
    return memo.get(key) as T;
  };
  return {
    signal,
    get core() {
      return lazy('core', () => new CoreV1Api(config));
    },
    get admission() {
      return lazy('admission', () => new AdmissionregistrationV1Api(config));
    },
    get apiextensions() {
      return lazy('apiextensions', () => new ApiextensionsV1Api(config));
    },
    get coordination() {
      return lazy('coordination', () => new CoordinationV1Api(config));
    },
    get events() {
      return lazy('events', () => new EventsV1Api(config));
    },
    get custom() {
      return lazy('custom', () => new CustomObjectsApi(config));
    },
  };
}
