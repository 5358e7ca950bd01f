// kadmit serve swaps rotated serving certificates into the live listener: new
// handshakes get the new one, open connections carry on, metrics show it.
import t from 'tap';
import { Agent } from 'node:https';
import { connect, type PeerCertificate } from 'node:tls';
import { httpsRequest, review } from '../helpers/https-client.ts';
import { startTestServer } from '../helpers/server.ts';

function servedSerial(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca, servername: 'kadmit.kadmit.svc' }, () => {
      const cert: PeerCertificate = socket.getPeerCertificate();
      socket.end();
      resolve(cert.serialNumber);
    });
    socket.on('error', reject);
  });
}

// One server for both tests (the handshake-failure counts start at 0 in the
// first, so the second's exact counts hold). 6 s leaves: renewed at 4 s, so a
// loaded 2-core machine still renews before expiry.
const server = await startTestServer({ webhooks: ['builtin:require-memory-limits'], servingLifetime: '6s', caLifetime: '1h' });
t.teardown(() => server.close());

t.test('serving certificate rotation in file mode', async (t) => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  const post = (uid: string) => httpsRequest(server.webhookPort, server.ca, '/validate/require-memory-limits', JSON.stringify(review({ uid })), { agent });

  const first = await servedSerial(server.webhookPort, server.ca);
  t.equal((await post('before')).status, 200);
  let second = first;
  const until = Date.now() + 15_000;
  while (second === first && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 250));
    second = await servedSerial(server.webhookPort, server.ca);
  }
  t.not(second, first, 'new handshakes get a new serving certificate');
  t.equal((await post('after')).status, 200, 'the open keep-alive connection carries on');
  t.ok(server.isReady(), 'still ready: the self-check passes with the new certificate');

  const metrics = await (await fetch(`http://127.0.0.1:${server.opsPort}/metrics`)).text();
  t.match(metrics, /kadmit_certificate_not_after_timestamp_seconds\{role="serving"\} \d+/);
  t.match(metrics, /kadmit_certificate_not_after_timestamp_seconds\{role="ca"\} \d+/);
  t.match(metrics, /kadmit_certificate_rotations_total\{role="serving"\} [1-9]/);
  t.match(metrics, /kadmit_tls_handshake_failures_total 0/);
  const certs = (await (await fetch(`http://127.0.0.1:${server.opsPort}/debug/certs`)).json()) as { serving?: unknown };
  t.ok(certs.serving, '/debug/certs shows the serving certificate');
});

t.test('a failed handshake is counted and readiness needs a trusted handshake', async (t) => {
  await new Promise<void>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: server.webhookPort, servername: 'kadmit.kadmit.svc', maxVersion: 'TLSv1.1', minVersion: 'TLSv1' });
    socket.on('error', () => resolve());
    socket.on('secureConnect', () => {
      t.fail('TLS 1.1 must be refused');
      socket.destroy();
      resolve();
    });
  });
  await new Promise((r) => setTimeout(r, 100));
  const metrics = await (await fetch(`http://127.0.0.1:${server.opsPort}/metrics`)).text();
  t.match(metrics, /kadmit_tls_handshake_failures_total [1-9]/);
  // Twice more within the log window: counted, not logged.
  for (let i = 0; i < 2; i++) {
    await new Promise<void>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: server.webhookPort, servername: 'kadmit.kadmit.svc', maxVersion: 'TLSv1.1', minVersion: 'TLSv1' });
      socket.on('error', () => resolve());
    });
  }
  await new Promise((r) => setTimeout(r, 100));
  const logged = server.logs.filter((l) => l['msg'] === 'TLS handshake on the webhook listener failed');
  t.equal(logged.length, 1, 'one log line per 10 s window');
  t.match(logged[0], { level: 40, code: /^ERR_SSL_/, reason: /SSL/ }, 'the line names the cause');
  t.match(await (await fetch(`http://127.0.0.1:${server.opsPort}/metrics`)).text(), /kadmit_tls_handshake_failures_total 3/);
  t.equal((await fetch(`http://127.0.0.1:${server.opsPort}/readyz`)).status, 200);
});
