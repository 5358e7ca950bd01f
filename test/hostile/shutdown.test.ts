// SIGTERM with clients that never finish, on both listeners: the process still
// exits within --shutdown-grace-ms (plus 2 s), after answering the review in
// flight by failurePolicy. (Before: a half-sent request or a stalled handshake
// on the webhook port kept it alive 120 s, one on the ops port indefinitely.)
import t from 'tap';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { connect as netConnect, type Socket } from 'node:net';
import { Agent } from 'node:https';
import { startKadmit, post, type Kadmit } from './support.ts';
import { fixtureWebhook } from '../helpers/server.ts';
import { review } from '../helpers/https-client.ts';

const GRACE_MS = 3_000;

function opened<S extends Socket>(socket: S, event: 'connect' | 'secureConnect'): Promise<S> {
  return new Promise((resolve, reject) => {
    socket.once(event, () => resolve(socket));
    socket.once('error', reject);
  });
}

async function stuckClients(k: Kadmit): Promise<Socket[]> {
  const tls = () => opened(tlsConnect({ host: '127.0.0.1', port: k.webhookPort, ca: k.ca, servername: 'kadmit.kadmit.svc' }), 'secureConnect') as Promise<TLSSocket>;
  const halfBody = await tls();
  halfBody.write('POST /quick HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"apiVersion":');
  const halfHeaders = await tls();
  halfHeaders.write('POST /quick HTTP/1.1\r\nHost: x\r\n');
  const noHandshake = await opened(netConnect(k.webhookPort, '127.0.0.1'), 'connect');
  const opsHalf = await opened(netConnect(k.opsPort, '127.0.0.1'), 'connect');
  opsHalf.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
  const opsKeepAlive = await opened(netConnect(k.opsPort, '127.0.0.1'), 'connect');
  opsKeepAlive.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  const sockets = [halfBody, halfHeaders, noHandshake, opsHalf, opsKeepAlive];
  for (const s of sockets) s.on('error', () => undefined).resume();
  return sockets;
}

t.test('SIGTERM: in-flight answered, every socket closed, exit within the grace period', async (t) => {
  const k = await startKadmit(t.testdir({}), ['--webhook', fixtureWebhook('misbehaving'), '--shutdown-grace-ms', String(GRACE_MS), '--drain-delay-ms', '500']);
  t.teardown(() => k.child.kill('SIGKILL'));
  const keepAlive = new Agent({ keepAlive: true });
  t.teardown(() => keepAlive.destroy());
  const first = await post(k.webhookPort, k.ca, '/quick?timeout=10s', JSON.stringify(review({ uid: 'keep-alive' })), keepAlive);
  t.equal(first.status, 200, 'a keep-alive connection stays open');
  const sockets = await stuckClients(k);
  t.teardown(() => sockets.forEach((s) => s.destroy()));
  const inFlight = post(k.webhookPort, k.ca, '/sleep?timeout=10s', JSON.stringify(review({ uid: 'in-flight' })));
  await new Promise((r) => setTimeout(r, 200));
  const signalled = Date.now();
  k.child.kill('SIGTERM');
  const result = await k.exited;
  const tookMs = Date.now() - signalled;
  t.equal(result.code, 0, result.stderr);
  t.ok(tookMs <= GRACE_MS + 2_000, `exited ${tookMs} ms after SIGTERM (grace ${GRACE_MS} ms)`);
  const answer = await inFlight;
  t.match(JSON.parse(answer.body).response, { uid: 'in-flight', allowed: false, status: { code: 503 } }, 'the review in flight was answered by failurePolicy');
  t.match(result.stdout, /shutdown: done/);
});
