// The kube-apiserver is Go: crypto/x509 rejects a certificate whose name holds a
// character outside PrintableString where node-forge writes PrintableString
// (an "@" did this once). Every subject and issuer attribute must fit.
import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { issueCa, issueServing } from '../../src/certs/issue.ts';

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

t.test('CA and serving names are PrintableString-safe', async (t) => {
  const ca = await issueCa({ lifetimeMs: 3_600_000, backdateMs: 60_000 });
  const leaf = await issueServing({ ca, dnsNames: ['kadmit.kadmit.svc'], lifetimeMs: 3_600_000, backdateMs: 60_000 });
  for (const pem of [ca.cert, leaf.cert]) {
    const x = new X509Certificate(pem);
    for (const line of [...x.subject.split('\n'), ...x.issuer.split('\n')]) {
      const value = line.slice(line.indexOf('=') + 1);
      t.match(value, PRINTABLE, line);
    }
  }
});
