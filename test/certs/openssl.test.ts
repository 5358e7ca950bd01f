import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { issueCa, issueServing } from '../../src/certs/issue.ts';
import { servingNames } from '../../src/certs/names.ts';
import { HOST, NS, SVC, run } from './support.ts';

// An independent verifier: OpenSSL's strict RFC 5280 checks plus the TLS
// server purpose, as the issue requires.

const probe = await run('openssl', ['version'], process.cwd());
if (probe.code !== 0) {
  t.test('openssl verify', { skip: `openssl is not installed (install it to run this check): ${probe.out.trim()}` }, async () => {});
} else {
  const dir = t.testdir({});
  const ca = await issueCa({ lifetimeMs: 3_600_000, backdateMs: 300_000 });
  const names = servingNames({ serviceName: SVC, namespace: NS, local: true });
  const leaf = await issueServing({ ca, ...names, lifetimeMs: 600_000, backdateMs: 300_000 });
  await writeFile(join(dir, 'ca.crt'), ca.cert);
  await writeFile(join(dir, 'tls.crt'), leaf.cert);
  const verify = (extra: string[]) =>
    run('openssl', ['verify', '-x509_strict', '-purpose', 'sslserver', ...extra, '-CAfile', 'ca.crt', 'tls.crt'], dir);

  t.test('openssl verify -x509_strict -purpose sslserver passes for the service name', async (t) => {
    for (const host of [HOST, `${HOST}.cluster.local`, 'localhost']) {
      const r = await verify(['-verify_hostname', host]);
      t.equal(r.code, 0, `${host}: ${r.out.trim()}`);
    }
    const ip = await verify(['-verify_ip', '127.0.0.1']);
    t.equal(ip.code, 0, ip.out.trim());
  });

  t.test('openssl rejects a name that is not on the certificate', async (t) => {
    const r = await verify(['-verify_hostname', 'evil.kadmit.svc']);
    t.not(r.code, 0, 'a wrong name fails');
    t.match(r.out, /hostname mismatch/i);
  });

  t.test('openssl: the CA is a valid strict root', async (t) => {
    const r = await run('openssl', ['verify', '-x509_strict', '-CAfile', 'ca.crt', 'ca.crt'], dir);
    t.equal(r.code, 0, r.out.trim());
  });
}
