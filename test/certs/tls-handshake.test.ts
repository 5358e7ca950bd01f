import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import t from 'tap';
import { issueCa, issueServing } from '../../src/certs/issue.ts';
import { servingNames } from '../../src/certs/names.ts';
import { HOST, NS, SVC } from './support.ts';

// A real TLS handshake on loopback, the way the apiserver connects: trust only
// the CA, verify the name <svc>.<ns>.svc through SNI.

const ca = await issueCa({ lifetimeMs: 3_600_000, backdateMs: 60_000 });
const other = await issueCa({ lifetimeMs: 3_600_000, backdateMs: 60_000 });
const leaf = await issueServing({ ca, ...servingNames({ serviceName: SVC, namespace: NS, local: true }), lifetimeMs: 600_000, backdateMs: 60_000 });

const server = tls.createServer({ key: leaf.key, cert: leaf.cert, minVersion: 'TLSv1.2' }, (socket) => {
  socket.end('ok');
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const { port } = server.address() as AddressInfo;
t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));

function connect(opts: tls.ConnectionOptions): Promise<{ ok: boolean; error?: string; data?: string }> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ...opts });
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (d) => (data += d));
    socket.on('end', () => resolve({ ok: true, data }));
    socket.on('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, error: err.code ?? err.message }));
  });
}

t.test('handshake succeeds trusting only the CA, SNI = service name', async (t) => {
  const r = await connect({ ca: ca.cert, servername: HOST });
  t.same(r, { ok: true, data: 'ok' });
});

t.test('handshake fails for a wrong name or a foreign CA', async (t) => {
  t.match(await connect({ ca: ca.cert, servername: 'other.kadmit.svc' }), { ok: false, error: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  t.match(await connect({ ca: other.cert, servername: HOST }), { ok: false, error: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
});
