// Detects the client going away before the answer is written. fastify's
// request.signal aborts as soon as a POST body is consumed (fastify #6725,
// #7033), so this listens to the raw response and socket instead.
import type { IncomingMessage, ServerResponse } from 'node:http';

export function clientGoneSignal(req: IncomingMessage, res: ServerResponse): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const socket = req.socket;
  const onClose = () => {
    if (!res.writableEnded) controller.abort();
    dispose();
  };
  function dispose() {
    res.off('close', onClose);
    socket.off('close', onClose);
  }
  if (socket.destroyed) controller.abort();
  else {
    res.once('close', onClose);
    socket.once('close', onClose);
  }
  return { signal: controller.signal, dispose };
}
