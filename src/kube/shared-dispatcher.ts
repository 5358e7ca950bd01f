// client-node 2.0.1 builds a *new* undici Agent for every request
// (KubeConfig.applySecurityAuthentication -> createDispatcher, uncached), so
// each API call pays a TLS handshake and leaves one more idle keep-alive
// socket behind. This wrapper keeps one Agent per KubeConfig and TLS identity
// and puts it on every request instead; the per-request Agent is never used,
// so it never opens a socket. Credentials that can change the TLS identity
// behind our back (exec plugins may return client certificates) are left
// uncached; token sources (in-cluster token file, auth providers) only set a header.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { KubeConfig, RequestContext, SecurityAuthentication } from '@kubernetes/client-node';

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

interface Cached {
  fingerprint: string;
  dispatcher: Dispatcher;
}

const cache = new WeakMap<KubeConfig, Cached>();

function fileOrData(file: string | undefined, data: string | undefined): string {
  if (file) {
    try {
      return readFileSync(file, 'base64');
    } catch {
      return `unreadable:${file}`;
    }
  }
  return data ?? '';
}

// What the TLS connection depends on; undefined when it cannot be known up front.
function tlsFingerprint(kc: KubeConfig): string | undefined {
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  if (!cluster || cluster.proxyUrl) return undefined;
  if (user?.exec) return undefined;
  const parts = [
    cluster.server,
    fileOrData(cluster.caFile, cluster.caData),
    String(cluster.skipTLSVerify),
    cluster.tlsServerName ?? '',
    fileOrData(user?.certFile, user?.certData),
    fileOrData(user?.keyFile, user?.keyData),
  ];
  return createHash('sha256').update(parts.join('\0')).digest('hex');
}

export function sharedDispatcherAuth(kc: KubeConfig): SecurityAuthentication {
  return {
    getName: () => 'kadmit shared-connection kubeconfig authentication',
    async applySecurityAuthentication(ctx: RequestContext) {
      await kc.applySecurityAuthentication(ctx);
      const fresh = ctx.getDispatcher();
      const fingerprint = tlsFingerprint(kc);
      if (!fresh || fingerprint === undefined) return;
      const cached = cache.get(kc);
      if (cached && cached.fingerprint === fingerprint) {
        ctx.setDispatcher(cached.dispatcher);
        return;
      }
      cache.set(kc, { fingerprint, dispatcher: fresh });
      // Credentials changed: let the old pool finish its requests, then close.
      if (cached) void cached.dispatcher.close().catch(() => undefined);
    },
  };
}

// Close the pooled connections of a KubeConfig (shutdown, tests).
export async function closeKubeConnections(kc: KubeConfig): Promise<void> {
  const cached = cache.get(kc);
  cache.delete(kc);
  if (cached) await cached.dispatcher.destroy().catch(() => undefined);
}
