import t from 'tap';
import { issueCa, issueServing } from '../../src/certs/issue.ts';
import { joinPem } from '../../src/certs/pem.ts';
import { verifyCa, verifyServing } from '../../src/certs/verify.ts';
import { HOST } from './support.ts';

const MIN = 60_000;
const now = new Date();
const ca = await issueCa({ lifetimeMs: 60 * MIN, backdateMs: MIN, now });
const other = await issueCa({ lifetimeMs: 60 * MIN, backdateMs: MIN, now });
const leaf = await issueServing({ ca, dnsNames: [HOST], ipAddresses: ['127.0.0.1'], lifetimeMs: 10 * MIN, backdateMs: MIN, now });
const good = { cert: leaf.cert, key: leaf.key, ca: ca.cert, hosts: [HOST, '127.0.0.1'] };
const INVALID = { code: 'KADMIT_CERT_INVALID' };

t.test('a good pair verifies and reports facts', async (t) => {
  const v = verifyServing(good);
  t.equal(v.leaf.notAfter.getTime(), leaf.notAfter.getTime());
  t.equal(v.leaf.serialNumber, leaf.serialNumber);
  t.equal(v.issuer.serialNumber, ca.serialNumber);
  t.match(v.leaf.fingerprint256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
});

t.test('the issuer may be any CA of a bundle', async (t) => {
  t.ok(verifyServing({ ...good, ca: joinPem([other.cert, ca.cert]) }));
});

t.test('each defect is rejected', async (t) => {
  t.throws(() => verifyServing({ ...good, ca: other.cert }), { ...INVALID, message: /not signed by any CA/ });
  t.throws(() => verifyServing({ ...good, key: other.key }), { ...INVALID, message: /does not match/ });
  t.throws(() => verifyServing({ ...good, key: 'nope' }), { ...INVALID, message: /does not parse/ });
  t.throws(() => verifyServing({ ...good, hosts: ['other.kadmit.svc'] }), { ...INVALID, message: /not valid for other/ });
  t.throws(() => verifyServing({ ...good, hosts: ['10.1.1.1'] }), { ...INVALID, message: /not valid for 10.1.1.1/ });
  t.throws(() => verifyServing({ ...good, now: new Date(now.getTime() + 11 * MIN) }), { ...INVALID, message: /expired/ });
  t.throws(() => verifyServing({ ...good, now: new Date(now.getTime() - 2 * MIN) }), { ...INVALID, message: /not valid before/ });
  t.throws(() => verifyServing({ ...good, cert: ca.cert, key: ca.key }), { ...INVALID, message: /is a CA/ });
  t.throws(() => verifyServing({ ...good, cert: 'garbage' }), { ...INVALID, message: /does not parse/ });
  t.throws(() => verifyServing({ ...good, ca: '' }), { ...INVALID, message: /no certificate/ });
  t.throws(() => verifyServing({ ...good, ca: leaf.cert }), { ...INVALID, message: /not signed by any CA/ }, 'a leaf is no CA');
});

t.test('CA checks', async (t) => {
  t.equal(verifyCa(ca.cert, now, ca.key).serialNumber, ca.serialNumber);
  t.throws(() => verifyCa(ca.cert, now, other.key), INVALID);
  t.throws(() => verifyCa(leaf.cert, now), { ...INVALID, message: /not a CA/ });
  t.throws(() => verifyCa(ca.cert, new Date(now.getTime() + 61 * MIN)), { ...INVALID, message: /expired/ });
});
