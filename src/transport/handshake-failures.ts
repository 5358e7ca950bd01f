// A failed TLS handshake on the webhook listener is what the apiserver reports
// as "failed calling webhook ... x509: ..." — the one fault an operator cannot
// see from kadmit's side otherwise. Each one is counted; log lines are capped so
// that a port scanner cannot flood the log: the first failure in a window is
// logged with its cause, the rest of the window only as a count. (The peer's
// address is gone from the socket by the time the error is reported.)
import type { Server } from 'node:https';
import type { Logger } from 'pino';
import { logWindow } from './log-window.ts';

const WINDOW_MS = 10_000;

export function reportHandshakeFailures(server: Server, log: Logger, count: () => void): void {
  const capped = logWindow(WINDOW_MS);
  server.on('tlsClientError', (err: NodeJS.ErrnoException) => {
    count();
    capped((unlogged) => log.warn(
      { code: err.code, reason: err.message, ...(unlogged > 0 && { unloggedSinceLastLine: unlogged }) },
      'TLS handshake on the webhook listener failed',
    ));
  });
}
