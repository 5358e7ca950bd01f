import { lstat, readFile, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { readFileSetConsistently, writeFileSetAtomically } from '../../src/certs/atomic-dir.ts';
import { loadOrCreateFileCertificates } from '../../src/certs/file-store.ts';
import type { FileCertificatesOptions } from '../../src/certs/file-store.ts';
import { issueCa, issueServing } from '../../src/certs/issue.ts';
import { verifyServing } from '../../src/certs/verify.ts';
import { HOST, NS, SVC, recordingLogger, silentLogger } from './support.ts';

const DAY = 86_400_000;
const lifetimes = { caMs: 365 * DAY, servingMs: 30 * DAY, backdateMs: 300_000 };

function options(dir: string, extra: Partial<FileCertificatesOptions> = {}): FileCertificatesOptions {
  return { dir, serviceName: SVC, namespace: NS, lifetimes, log: silentLogger(), ...extra };
}
const at = (ms: number) => () => new Date(Date.now() + ms);
const readSet = async (dir: string) => ({
  ca: await readFile(join(dir, 'ca.crt'), 'utf8'),
  caKey: await readFile(join(dir, 'ca.key'), 'utf8'),
  cert: await readFile(join(dir, 'tls.crt'), 'utf8'),
  key: await readFile(join(dir, 'tls.key'), 'utf8'),
});

t.test('creates a complete, verified set in an empty directory, then reuses it', async (t) => {
  const dir = join(t.testdir({}), 'certs'); // does not exist yet
  const first = await loadOrCreateFileCertificates(options(dir));
  t.equal(first.action, 'created');
  t.equal(first.created, true);
  t.equal(first.caPath, join(dir, 'ca.crt'));
  const files = await readSet(dir);
  t.same(first.material, { key: files.key, cert: files.cert, ca: files.ca });
  t.ok(verifyServing({ ...first.material, hosts: [HOST, 'localhost', '127.0.0.1'] }));
  t.equal((await stat(join(dir, 'tls.key'))).mode & 0o777, 0o600, 'tls.key is 0600');
  t.equal((await stat(join(dir, 'ca.key'))).mode & 0o777, 0o600, 'ca.key is 0600');
  t.equal((await stat(join(dir, 'tls.crt'))).mode & 0o777, 0o644);
  t.equal(await readlink(join(dir, 'tls.crt')), join('..data', 'tls.crt'), 'names point into the current generation');

  const again = await loadOrCreateFileCertificates(options(dir));
  t.equal(again.action, 'reused');
  t.equal(again.created, false);
  t.same(again.material, first.material);
});

t.test('regenerates what is broken, keeping the CA when it is still good', async (t) => {
  const dir = t.testdir({});
  const base = await loadOrCreateFileCertificates(options(dir));
  const caPem = base.material.ca;

  const cases: Array<[string, () => Promise<void>, 'reissued-serving' | 'created']> = [
    ['corrupt tls.crt', () => writeFile(join(dir, 'tls.crt'), 'garbage'), 'reissued-serving'],
    ['truncated tls.key', async () => writeFile(join(dir, 'tls.key'), (await readFile(join(dir, 'tls.key'), 'utf8')).slice(0, 200)), 'reissued-serving'],
    ['key of another cert', async () => writeFile(join(dir, 'tls.key'), await readFile(join(dir, 'ca.key'))), 'reissued-serving'],
    ['missing tls.crt', () => rm(join(dir, 'tls.crt')), 'reissued-serving'],
    ['missing tls.key', () => rm(join(dir, 'tls.key')), 'reissued-serving'],
  ];
  for (const [name, damage, expected] of cases) {
    await damage();
    const r = await loadOrCreateFileCertificates(options(dir));
    t.equal(r.action, expected, name);
    t.equal(r.material.ca, caPem, `${name}: the CA is kept`);
    t.same(await readSet(dir).then(({ ca, cert, key }) => ({ ca, cert, key })), r.material, `${name}: files match`);
  }

  await writeFile(join(dir, 'ca.crt'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
  const fresh = await loadOrCreateFileCertificates(options(dir));
  t.equal(fresh.action, 'created', 'corrupt ca.crt: a new CA');
  t.not(fresh.material.ca, caPem);
});

t.test('a CA whose key is lost or wrong gets replaced once the leaf needs re-issuing', async (t) => {
  const dir = t.testdir({});
  const base = await loadOrCreateFileCertificates(options(dir));
  await rm(join(dir, 'ca.key'));
  const { log, lines } = recordingLogger();
  const reused = await loadOrCreateFileCertificates(options(dir, { log }));
  t.equal(reused.action, 'reused', 'a valid serving pair is still served');
  t.ok(lines.some((l) => /cannot be renewed/.test(String(l['msg']))), 'and the missing CA key is reported');
  await writeFile(join(dir, 'tls.crt'), 'x');
  const r = await loadOrCreateFileCertificates(options(dir));
  t.equal(r.action, 'created');
  t.not(r.material.ca, base.material.ca);
});

t.test('expiry and renewal follow the clock', async (t) => {
  const dir = t.testdir({});
  const base = await loadOrCreateFileCertificates(options(dir));
  t.equal((await loadOrCreateFileCertificates(options(dir, { now: at(19 * DAY) }))).action, 'reused', 'before 2/3 of life');
  const renewed = await loadOrCreateFileCertificates(options(dir, { now: at(21 * DAY) }));
  t.equal(renewed.action, 'reissued-serving', 'past 2/3 of the serving life');
  t.equal(renewed.material.ca, base.material.ca);
  const expired = await loadOrCreateFileCertificates(options(dir, { now: at(60 * DAY) }));
  t.equal(expired.action, 'reissued-serving', 'expired serving cert');
  const caExpired = await loadOrCreateFileCertificates(options(dir, { now: at(400 * DAY) }));
  t.equal(caExpired.action, 'created', 'expired CA');
});

t.test('a change of names re-issues the serving certificate', async (t) => {
  const dir = t.testdir({});
  await loadOrCreateFileCertificates(options(dir));
  const r = await loadOrCreateFileCertificates(options(dir, { extraDnsNames: ['hook.example.com', '10.9.8.7'] }));
  t.equal(r.action, 'reissued-serving');
  t.match(r.serving.subjectAltName, /DNS:hook\.example\.com/);
  t.match(r.serving.subjectAltName, /IP Address:10\.9\.8\.7/);
  const nonLocal = await loadOrCreateFileCertificates(options(dir, { local: false, extraDnsNames: ['hook.example.com', '10.9.8.7'] }));
  t.equal(nonLocal.action, 'reused', 'a superset of the names is fine');
});

t.test('plain files placed by a user are used, and replaced atomically when needed', async (t) => {
  const ca = await issueCa({ lifetimeMs: 365 * DAY, backdateMs: 0 });
  const leaf = await issueServing({ ca, dnsNames: [HOST, 'localhost', 'kadmit', 'kadmit.kadmit', 'kadmit.kadmit.svc.cluster.local'], ipAddresses: ['127.0.0.1', '::1'], lifetimeMs: DAY, backdateMs: 0 });
  const dir = t.testdir({ 'ca.crt': ca.cert, 'ca.key': ca.key, 'tls.crt': leaf.cert, 'tls.key': leaf.key });
  const r = await loadOrCreateFileCertificates(options(dir));
  t.equal(r.action, 'reused');
  t.equal(r.material.cert, leaf.cert);
  await writeFile(join(dir, 'tls.crt'), 'broken');
  const fixed = await loadOrCreateFileCertificates(options(dir));
  t.equal(fixed.action, 'reissued-serving');
  t.ok((await lstat(join(dir, 'tls.crt'))).isSymbolicLink(), 'now managed through ..data');
  t.equal(fixed.material.ca, ca.cert);
});

t.test('atomic set writes: readers never see a mix, failures leave the old set', async (t) => {
  const dir = t.testdir({});
  const set = (g: number) => [
    { name: 'a', data: `gen ${g}`, mode: 0o644 },
    { name: 'b', data: `gen ${g}`, mode: 0o600 },
  ];
  await writeFileSetAtomically(dir, set(0));
  let writing = true;
  const writer = (async () => {
    for (let g = 1; g <= 40; g++) await writeFileSetAtomically(dir, set(g));
    writing = false;
  })();
  const mixed: string[] = [];
  let reads = 0;
  while (writing) {
    const got = await readFileSetConsistently(dir, ['a', 'b']);
    const [a, b] = [got['a'], got['b']];
    if (a !== b) mixed.push(`${a} / ${b}`);
    reads++;
  }
  await writer;
  t.same(mixed, [], `no mixed set in ${reads} reads`);
  t.equal(await readFile(join(dir, 'a'), 'utf8'), 'gen 40');
  t.same((await readdir(dir)).filter((e) => e.startsWith('..gen-')).length, 1, 'old generations are removed');

  await t.rejects(writeFileSetAtomically(dir, [...set(41), { name: 'no/such/dir', data: 'x', mode: 0o644 }]));
  t.equal(await readFile(join(dir, 'a'), 'utf8'), 'gen 40', 'a failed write leaves the old set');
  t.equal(await readFile(join(dir, 'b'), 'utf8'), 'gen 40');
  t.same((await readdir(dir)).filter((e) => e.startsWith('..gen-')).length, 1, 'and no half-written generation');
});
