// Sends reviews to a running server over HTTPS the way the apiserver does:
// POST to the webhook's path with `?timeout=`, its headers, TLS 1.2 or later,
// HTTP/1.1, trusting only the given CA and verifying the service's DNS name.
import { Agent, request } from 'node:https';
import { parseGoDuration, MAX_TIMEOUT_MS } from '../admission/deadline.ts';
import { errorMessage } from '../errors.ts';
import type { Webhook } from '../model/webhook.ts';
import type { Answer, Sender } from './answer.ts';

export interface HttpsOptions {
  url: URL;
  /** PEM; undefined trusts Node's default CAs. */
  ca: string | undefined;
  /** The name the certificate must carry (and SNI), e.g. `kadmit.kadmit.svc`. */
  serverName: string;
  /** Connections kept open at once (bench concurrency). */
  maxSockets?: number;
}

/** How long the apiserver waits: the `?timeout=` it sent (kadmit falls back the same way for values it would never send). */
export function waitMs(timeout: string, webhook: Webhook): number {
  const ms = parseGoDuration(timeout);
  return ms !== undefined && ms > 0 && ms <= MAX_TIMEOUT_MS ? ms : webhook.timeoutSeconds * 1000;
}

export function webhookUrl(base: URL, webhook: Webhook, timeout: string): URL {
  const url = new URL(base.href);
  url.pathname = `${base.pathname.replace(/\/+$/, '')}${webhook.path}`;
  url.search = `?timeout=${encodeURIComponent(timeout)}`;
  return url;
}

export function httpsSender(options: HttpsOptions): Sender {
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 1 });
  const tls = {
    ...(options.ca !== undefined && { ca: options.ca }),
    servername: options.serverName,
    minVersion: 'TLSv1.2' as const,
    ALPNProtocols: ['http/1.1'],
  };
  return {
    mode: 'url',
    send(webhook, body, timeout) {
      const wait = waitMs(timeout, webhook);
      const started = performance.now();
      return new Promise<Answer>((resolve) => {
        let settled = false;
        const done = (answer: Omit<Answer, 'latencyMs'>) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ ...answer, latencyMs: performance.now() - started });
        };
        const req = request(webhookUrl(options.url, webhook, timeout), {
          method: 'POST',
          agent,
          ...tls,
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, */*',
            'user-agent': 'kube-apiserver-admission',
            'content-length': String(body.byteLength),
          },
        }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => done({ httpStatus: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', (err) => done({ httpStatus: 0, body: '', error: `the answer broke off: ${errorMessage(err)}` }));
        });
        // The apiserver stops waiting at its timeout and closes the connection.
        const timer = setTimeout(() => {
          done({ httpStatus: 0, body: '', error: `no answer within ${wait / 1000}s (?timeout=${timeout})` });
          req.destroy();
        }, wait);
        req.on('error', (err) => done({ httpStatus: 0, body: '', error: `cannot call ${options.url.origin} as ${options.serverName}: ${errorMessage(err)}` }));
        req.end(body);
      });
    },
    async close() {
      agent.destroy();
    },
  };
}
