// Every socket a listener accepted, from the TCP connection on (before a TLS
// handshake, before a request), so that shutdown can close them all: Node's
// closeAllConnections() only knows sockets that reached HTTP, and a client that
// stops halfway through a handshake or a request would otherwise keep the
// process alive until its own timeout.
import type { Server, Socket } from 'node:net';

export interface Connections {
  readonly count: number;
  /** Destroys every socket still open. */
  destroyAll(): void;
}

export function trackConnections(server: Server): Connections {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return {
    get count() {
      return sockets.size;
    },
    destroyAll() {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
  };
}
