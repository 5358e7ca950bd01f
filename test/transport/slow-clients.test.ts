// Slow or idle clients cannot hold the server: header, body and idle timeouts.
import t from 'tap';
import { connect, type TLSSocket } from 'node:tls';
import { startTestServer } from '../helpers/server.ts';

const server = await startTestServer({ headersTimeoutMs: 800, requestTimeoutMs: 1_500, idleTimeoutMs: 2_000, keepAliveTimeoutMs: 1_000, workers: 1 });
t.teardown(() => server.close());

function open(): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: server.webhookPort, ca: server.ca, servername: 'kadmit.kadmit.svc' }, () => resolve(socket));
    socket.on('error', reject);
  });
}

function closedWithin(socket: TLSSocket, ms: number): Promise<number | undefined> {
  const started = Date.now();
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
    socket.on('error', () => undefined);
    socket.resume();
  });
}

t.test('headers sent too slowly: the connection is closed', async (t) => {
  const socket = await open();
  socket.write('POST /validate/require-memory-limits HTTP/1.1\r\nHost: x\r\n');
  const tick = setInterval(() => socket.write('X-Slow: 1\r\n'), 200);
  const closedAfter = await closedWithin(socket, 5_000);
  clearInterval(tick);
  t.ok(closedAfter !== undefined && closedAfter < 3_500, `closed after ${closedAfter} ms (headers timeout 800 ms)`);
});

t.test('a body sent too slowly: the connection is closed', async (t) => {
  const socket = await open();
  socket.write('POST /validate/require-memory-limits HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{');
  const tick = setInterval(() => socket.write(' '), 200);
  const closedAfter = await closedWithin(socket, 6_000);
  clearInterval(tick);
  t.ok(closedAfter !== undefined && closedAfter < 4_500, `closed after ${closedAfter} ms (request timeout 1.5 s)`);
});

t.test('an idle connection is closed', async (t) => {
  const socket = await open();
  const closedAfter = await closedWithin(socket, 6_000);
  t.ok(closedAfter !== undefined && closedAfter < 4_500, `closed after ${closedAfter} ms`);
});
