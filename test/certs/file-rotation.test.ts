import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { bundleFingerprints } from '../../src/certs/bundle.ts';
import { createFileCertRotator, loadOrCreateFileCertificates } from '../../src/certs/file-store.ts';
import { verifyServing } from '../../src/certs/verify.ts';
import { FakeClock, RecordingSink } from './fakes.ts';
import { HOST, NS, SVC, silentLogger } from './support.ts';

const MIN = 60_000;
const lifetimes = { caMs: 60 * MIN, servingMs: 9 * MIN, backdateMs: MIN };
const graceMs = 2 * MIN;

t.test('the file store rotates in place, starting from the phase-1 layout', async (t) => {
  const dir = t.testdir({});
  const clock = new FakeClock(Date.now());
  const first = await loadOrCreateFileCertificates({ dir, serviceName: SVC, namespace: NS, lifetimes, log: silentLogger(), now: clock.now });
  const sink = new RecordingSink();
  const rotator = createFileCertRotator({ dir, serviceName: SVC, namespace: NS, lifetimes, graceMs, sink, log: silentLogger(), clock: clock.now });
  t.equal(rotator.caPath, join(dir, 'ca.crt'));
  const files = async () => {
    const names = (await readdir(dir)).filter((n) => !n.startsWith('..')).sort();
    const read = (n: string) => readFile(join(dir, n), 'utf8');
    return { names, ca: await read('ca.crt'), cert: await read('tls.crt'), key: await read('tls.key') };
  };
  const trusted = async () => {
    const f = await files();
    verifyServing({ cert: f.cert, key: f.key, ca: f.ca, hosts: [HOST, '127.0.0.1', 'localhost'], now: clock.now() });
    t.equal(sink.last?.cert, f.cert, 'the server serves what the files hold');
    return f;
  };

  await rotator.runOnce();
  t.equal(sink.last?.cert, first.material.cert, 'the existing pair is reused, not re-issued');
  t.same((await trusted()).names, ['ca.crt', 'ca.key', 'rotation.json', 'tls.crt', 'tls.key']);

  clock.advance(41 * MIN);
  await rotator.runOnce();
  let f = await trusted();
  t.same(f.names, ['ca.crt', 'ca.key', 'next-ca.crt', 'next-ca.key', 'rotation.json', 'tls.crt', 'tls.key']);
  t.equal(bundleFingerprints(f.ca).length, 2, 'ca.crt trusts both CAs during the rollover');

  clock.advance(graceMs);
  await rotator.runOnce();
  f = await trusted();
  t.not(f.cert, first.material.cert, 'serving from the new CA');
  t.same(f.names, ['ca.crt', 'ca.key', 'rotation.json', 'tls.crt', 'tls.key'], 'next-ca files gone, no dangling links');

  clock.advance(lifetimes.servingMs + graceMs);
  await rotator.runOnce();
  f = await trusted();
  t.equal(bundleFingerprints(f.ca).length, 1, 'old CA dropped from ca.crt');
  t.equal((await readdir(dir)).filter((n) => n.startsWith('..gen-')).length, 1, 'one generation on disk');
});
