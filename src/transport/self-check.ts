// Readiness by experience: a fresh TLS handshake to our own listener, with the
// service name as SNI, trusting exactly what the apiserver trusts. If that fails,
// the apiserver's calls would fail too, so the replica must not be ready.
import { connect } from 'node:tls';
import { errorMessage } from '../errors.ts';

/** A client certificate to present, when the listener requires one (--client-ca). */
export interface ClientIdentity {
  key: string;
  cert: string;
}

export function handshake(host: string, port: number, servername: string, ca: string, timeoutMs = 3_000, client?: ClientIdentity): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, servername, ca, minVersion: 'TLSv1.2', ALPNProtocols: ['http/1.1'], ...client });
    const timer = setTimeout(() => socket.destroy(new Error(`no TLS handshake within ${timeoutMs} ms`)), timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.end();
      resolve();
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Why a handshake with each bundle fails, or undefined when all succeed. */
export async function selfCheck(host: string, port: number, servername: string, bundles: readonly string[], client?: ClientIdentity): Promise<string | undefined> {
  if (bundles.length === 0) return 'no caBundle published yet';
  for (const [i, ca] of bundles.entries()) {
    try {
      await handshake(host, port, servername, ca, undefined, client);
    } catch (err) {
      return `TLS self-check as ${servername} with caBundle ${i + 1} of ${bundles.length} failed: ${errorMessage(err)}`;
    }
  }
  return undefined;
}
