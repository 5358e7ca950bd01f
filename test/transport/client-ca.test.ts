// --client-ca: the webhook listener requires a client certificate from the CAs
// in the file, follows the file when it is replaced, keeps the last good CAs
// when it turns unreadable, and stays ready (the self-check presents its own).
import { rename, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import t from 'tap';
import { issueCa, issueServing } from '../../src/certs/issue.ts';
import type { CertAndKey } from '../../src/certs/types.ts';
import { review } from '../helpers/https-client.ts';
import { startTestServer } from '../helpers/server.ts';

const HOUR = 3_600_000;
const [caA, caB] = await Promise.all([0, 1].map((i) => issueCa({ lifetimeMs: HOUR, backdateMs: 60_000, commonName: `apiserver-client-ca-${i}` })));
const client = (ca: CertAndKey) => issueServing({ ca, dnsNames: ['kube-apiserver'], extKeyUsage: 'clientAuth', lifetimeMs: HOUR, backdateMs: 60_000 });
const [fromA, fromB] = await Promise.all([client(caA!), client(caB!)]);

/** A review over a fresh connection, with or without a client certificate; resolves with the HTTP status. */
function post(port: number, trust: string, identity?: CertAndKey): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: '/validate/require-memory-limits', servername: 'kadmit.kadmit.svc', ca: trust, agent: false,
        ...(identity && { key: identity.key, cert: identity.cert }), headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(review({ uid: 'client-ca' })));
  });
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

t.test('client certificates required, from the CA file, reloaded when it changes', async (t) => {
  const dir = t.testdir({ 'client-ca.crt': caA!.cert });
  const file = join(dir, 'client-ca.crt');
  const server = await startTestServer({ clientCaFile: file, webhooks: ['builtin:require-memory-limits'], workers: 0 });
  t.teardown(() => server.close());
  const send = (identity?: CertAndKey) => post(server.webhookPort, server.ca, identity);
  const accepted = (identity: CertAndKey) => send(identity).then((s) => s === 200, () => false);

  t.ok(server.isReady(), 'ready: the self-check presents a certificate of its own');
  // (Over TLS 1.3 a client sees the handshake done before the server checks its certificate:
  // only the server's count shows whether the self-check's certificate was accepted.)
  await new Promise((r) => setTimeout(r, 200));
  const metrics = await (await fetch(`http://127.0.0.1:${server.opsPort}/metrics`)).text();
  t.match(metrics, /^kadmit_tls_handshake_failures_total 0$/m, 'the self-check handshake was accepted');
  await t.rejects(send(), 'a client without a certificate is refused');
  t.equal(await send(fromA), 200, 'a client with a certificate from the CA is served');
  await t.rejects(send(fromB), 'a certificate from another CA is refused');

  // Replaced the way a Secret volume or an editor does: a new file renamed over the old one.
  await writeFile(`${file}.tmp`, caB!.cert);
  await rename(`${file}.tmp`, file);
  await until('a certificate from the new CA is accepted', () => accepted(fromB));
  t.pass('after the file changed, a certificate from the new CA is accepted');
  await t.rejects(send(fromA), 'and one from the old CA is refused');
  t.ok(server.logs.some((l) => l.msg === 'client CA file reloaded'));

  await writeFile(file, 'not a certificate');
  await until('the bad file is noticed', async () => server.logs.some((l) => l.msg === 'client CA file not reloaded; keeping the last good one'));
  t.equal(await send(fromB), 200, 'an unusable file keeps the last good CAs');
  await t.rejects(send(), 'and client authentication stays on');
  t.ok(server.isReady(), 'still ready');
});

t.test('an unusable client CA file fails start-up', async (t) => {
  const dir = t.testdir({ 'leaf.crt': fromA.cert });
  await t.rejects(startTestServer({ clientCaFile: join(dir, 'leaf.crt'), workers: 0 }), { code: 'KADMIT_CLIENT_CA', message: /holds no CA certificate/ });
  await t.rejects(startTestServer({ clientCaFile: join(dir, 'missing.crt'), workers: 0 }), { code: 'KADMIT_CLIENT_CA', message: /cannot read/ });
});

t.test('off by default: no client certificate is asked for', async (t) => {
  const server = await startTestServer({ webhooks: ['builtin:require-memory-limits'], workers: 0 });
  t.teardown(() => server.close());
  t.equal(await post(server.webhookPort, server.ca), 200);
});
