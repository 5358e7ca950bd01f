// The readiness self-check's verdicts, against a plain TLS listener: a bundle
// that trusts the listener passes; one that does not, no bundle at all, and a
// listener that is gone each give the reason readiness reports.
import t from 'tap';
import { createServer, type Server } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { issueCa, issueServing } from '../../src/certs/issue.ts';
import { selfCheck } from '../../src/transport/self-check.ts';

const lifetime = { lifetimeMs: 3_600_000, backdateMs: 60_000, modulusLength: 2048 };
const ca = await issueCa(lifetime);
const other = await issueCa(lifetime);
const serving = await issueServing({ ...lifetime, ca, dnsNames: ['kadmit.kadmit.svc'] });

const server: Server = createServer({ cert: serving.cert, key: serving.key });
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
t.teardown(() => server.close());
const port = (server.address() as AddressInfo).port;

t.test('every bundle that trusts the listener: no problem', async (t) => {
  t.equal(await selfCheck('127.0.0.1', port, 'kadmit.kadmit.svc', [ca.cert]), undefined);
});

t.test('no bundle published yet', async (t) => {
  t.equal(await selfCheck('127.0.0.1', port, 'kadmit.kadmit.svc', []), 'no caBundle published yet');
});

t.test('a bundle that does not trust the listener names its place and the TLS error', async (t) => {
  const why = await selfCheck('127.0.0.1', port, 'kadmit.kadmit.svc', [ca.cert, other.cert]);
  t.match(why, /^TLS self-check as kadmit\.kadmit\.svc with caBundle 2 of 2 failed: .*(self.signed|unable to verify|unable to get)/i);
});

t.test('a listener that is gone fails the check', async (t) => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const gone = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  t.match(await selfCheck('127.0.0.1', gone, 'kadmit.kadmit.svc', [ca.cert]), /caBundle 1 of 1 failed: .*ECONNREFUSED/);
});
