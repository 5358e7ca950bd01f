import { X509Certificate } from 'node:crypto';
import t from 'tap';
import forge from 'node-forge';
import { issueCa, issueServing, subjectKeyIdOf } from '../../src/certs/issue.ts';
import { servingNames } from '../../src/certs/names.ts';
import { randomSerialHex } from '../../src/certs/serial.ts';
import { NS, SVC } from './support.ts';

const MIN = 60_000;
const now = new Date('2026-11-26T12:00:00.000Z');
const ca = await issueCa({ lifetimeMs: 60 * MIN, backdateMs: 5 * MIN, now });
const names = servingNames({ serviceName: SVC, namespace: NS, local: true, extraNames: ['webhook.example.com', '10.0.0.7'] });
const leaf = await issueServing({ ca, ...names, lifetimeMs: 10 * MIN, backdateMs: 5 * MIN, now });

type Ext = Record<string, unknown> & { critical?: boolean; value?: string };
const ext = (c: forge.pki.Certificate, name: string) => c.getExtension(name) as Ext | undefined;

// The [0] keyIdentifier inside an AuthorityKeyIdentifier extension, as hex.
function akid(c: forge.pki.Certificate): string {
  const e = ext(c, 'authorityKeyIdentifier');
  if (!e?.value) return '';
  const seq = forge.asn1.fromDer(e.value);
  const id = (seq.value as forge.asn1.Asn1[]).find((v) => v.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && v.type === 0);
  return id ? forge.util.bytesToHex(id.value as string) : '';
}

t.test('CA fields and extensions', async (t) => {
  const c = forge.pki.certificateFromPem(ca.cert);
  t.match(ext(c, 'basicConstraints'), { cA: true, pathLenConstraint: 0, critical: true });
  t.match(ext(c, 'keyUsage'), { keyCertSign: true, cRLSign: true, critical: true });
  t.notOk(ext(c, 'keyUsage')?.['digitalSignature'], 'the CA key only signs certificates');
  t.ok(ext(c, 'subjectKeyIdentifier'), 'has a subject key id');
  t.equal(akid(c), forge.util.bytesToHex(subjectKeyIdOf(c)), 'self-signed: AKID is its own SKI');
  t.equal(c.validity.notBefore.getTime(), now.getTime() - 5 * MIN, 'NotBefore back-dated');
  t.equal(c.validity.notAfter.getTime(), now.getTime() + 60 * MIN);
  const x = new X509Certificate(ca.cert);
  t.equal(x.ca, true);
  t.equal(x.signatureAlgorithm, 'sha256WithRSAEncryption');
  t.ok(x.verify(x.publicKey), 'self-signature verifies');
  t.equal(x.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
  t.match(x.subject, /CN=kadmit-ca-\d+/);
});

t.test('serving fields and extensions', async (t) => {
  const c = forge.pki.certificateFromPem(leaf.cert);
  const caCert = forge.pki.certificateFromPem(ca.cert);
  t.match(ext(c, 'basicConstraints'), { cA: false, critical: true });
  t.match(ext(c, 'keyUsage'), { digitalSignature: true, keyEncipherment: true, critical: true });
  t.notOk(ext(c, 'keyUsage')?.['keyCertSign']);
  t.match(ext(c, 'extKeyUsage'), { serverAuth: true });
  t.notOk(ext(c, 'extKeyUsage')?.['clientAuth']);
  const caSki = forge.util.bytesToHex(subjectKeyIdOf(caCert));
  const ownSki = forge.util.bytesToHex(subjectKeyIdOf(c));
  t.equal(akid(c), caSki, "AKID is the CA's subject key id");
  t.not(akid(c), ownSki, "AKID is not the leaf's own key id");
  const sans = (ext(c, 'subjectAltName')?.['altNames'] as Array<{ type: number; value: string; ip?: string }>) ?? [];
  t.same(
    sans.filter((s) => s.type === 2).map((s) => s.value).sort(),
    [
      'kadmit',
      'kadmit.kadmit',
      'kadmit.kadmit.svc',
      'kadmit.kadmit.svc.cluster.local',
      'localhost',
      'webhook.example.com',
    ].sort(),
  );
  t.same(sans.filter((s) => s.type === 7).map((s) => s.ip).sort(), ['10.0.0.7', '127.0.0.1', '::1'].sort());
  t.ok(caCert.verify(c), 'forge: the CA verifies the leaf');

  const x = new X509Certificate(leaf.cert);
  const xca = new X509Certificate(ca.cert);
  t.equal(x.ca, false);
  t.equal(x.signatureAlgorithm, 'sha256WithRSAEncryption');
  t.ok(x.checkIssued(xca) && x.verify(xca.publicKey), 'Node: the CA signed the leaf');
  t.ok(x.checkHost('kadmit.kadmit.svc', { subject: 'never' }));
  t.ok(x.checkIP('127.0.0.1'));
  t.notOk(x.checkHost('other.kadmit.svc', { subject: 'never' }));
  t.same(x.keyUsage, ['1.3.6.1.5.5.7.3.1']);
  t.equal(x.subject, 'CN=kadmit.kadmit.svc');
  t.equal(leaf.notBefore.getTime(), now.getTime() - 5 * MIN);
  t.equal(leaf.notAfter.getTime(), now.getTime() + 10 * MIN);
  t.equal(x.validFromDate.getTime(), leaf.notBefore.getTime(), 'reported dates are the encoded ones');
  t.equal(x.serialNumber.toLowerCase(), leaf.serialNumber);
  t.not(leaf.serialNumber, ca.serialNumber);
});

t.test('a leaf never outlives its CA', async (t) => {
  const long = await issueServing({ ca, dnsNames: ['a.b.svc'], lifetimeMs: 600 * MIN, backdateMs: 0, now });
  t.equal(long.notAfter.getTime(), now.getTime() + 60 * MIN);
});

t.test('lifetimes are honoured to the second', async (t) => {
  const odd = new Date('2026-11-26T12:00:00.789Z');
  const c = await issueCa({ lifetimeMs: 12_345, backdateMs: 1_500, now: odd });
  t.equal(c.notBefore.toISOString(), '2026-11-26T11:59:59.000Z');
  t.equal(c.notAfter.toISOString(), '2026-11-26T12:00:14.000Z', 'NotAfter rounds up');
});

t.test('serials are positive, 128-bit, minimally encoded', async (t) => {
  const seen = new Set<string>();
  const bad: string[] = [];
  for (let i = 0; i < 2000; i++) {
    const s = randomSerialHex();
    const first = parseInt(s.slice(0, 2), 16);
    if (s.length !== 32 || first === 0 || first >= 0x80) bad.push(s);
    seen.add(s);
  }
  t.same(bad, [], 'every serial is 16 bytes, top bit clear, first byte non-zero');
  t.equal(seen.size, 2000, 'no repeats');
  // The serial INTEGER as encoded in the certificate: 16 content bytes, positive.
  for (const pem of [ca.cert, leaf.cert]) {
    const tbs = (forge.asn1.fromDer(forge.pki.pemToDer(pem)).value as forge.asn1.Asn1[])[0]!;
    const serial = (tbs.value as forge.asn1.Asn1[])[1]!;
    t.equal(serial.type, forge.asn1.Type.INTEGER);
    const bytes = serial.value as string;
    t.equal(bytes.length, 16);
    t.ok(bytes.charCodeAt(0) > 0 && bytes.charCodeAt(0) < 0x80, 'positive, no padding byte');
  }
});

t.test('a serving certificate needs names', async (t) => {
  await t.rejects(issueServing({ ca, dnsNames: [], lifetimeMs: MIN, backdateMs: 0 }), { code: 'KADMIT_CERT_ISSUE' });
  await t.rejects(issueServing({ ca: { cert: 'junk', key: ca.key }, dnsNames: ['x'], lifetimeMs: MIN, backdateMs: 0 }), {
    code: 'KADMIT_CERT_ISSUE',
  });
});
