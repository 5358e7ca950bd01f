// --url over real HTTPS against a stand-in server that records what it gets
// and answers as told: the request is made the way the apiserver makes it, the
// server's name is verified against the CA, and answers the apiserver would
// refuse are failures.
import t from 'tap';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateFileCertificates } from '../../src/certs/file-store.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { prepareTarget } from '../../src/replay/setup.ts';
import { loadFixtures } from '../../src/replay/fixtures.ts';
import { runCases } from '../../src/replay/run.ts';
import { runCliInProcess } from '../helpers/cli.ts';

interface Seen {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingMessage['headers'];
  body: any;
  servername: string | false | null | undefined;
  protocol: string | null;
  alpn: string | false | null;
}

const certDir = mkdtempSync(join(tmpdir(), 'kadmit-replay-url-'));
t.teardown(() => rmSync(certDir, { recursive: true, force: true }));
const certs = await loadOrCreateFileCertificates({ dir: certDir, serviceName: 'kadmit', namespace: 'kadmit', local: true, log: createLogger('silent') });
let answer: (body: any) => unknown | 'hang' = (body) => ({ apiVersion: body.apiVersion, kind: 'AdmissionReview', response: { uid: body.request.uid, allowed: true } });
const seen: Seen[] = [];
const server: Server = createServer({ key: certs.material.key, cert: certs.material.cert, ALPNProtocols: ['http/1.1'] }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const socket = req.socket as TLSSocket;
    seen.push({ method: req.method, url: req.url, headers: req.headers, body, servername: socket.servername, protocol: socket.getProtocol(), alpn: socket.alpnProtocol });
    const reply = answer(body);
    if (reply === 'hang') return;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
  });
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const url = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
t.teardown(() => {
  server.closeAllConnections();
  server.close();
});

const fixtures = t.testdir({
  'pod.yaml': 'webhook: require-memory-limits.kadmit.dev\noperation: CREATE\nobject: {apiVersion: v1, kind: Pod, metadata: {name: p, namespace: shop}}\nexpect: {allowed: true}\n',
  'slow.yaml': 'webhook: require-memory-limits.kadmit.dev\ntimeout: 1s\noperation: CREATE\nobject: {apiVersion: v1, kind: Pod, metadata: {name: slow}}\n',
});

async function replayAgainst(file: string, extra: Record<string, string> = {}) {
  const target = await prepareTarget({ webhook: ['builtin:require-memory-limits'], url, ca: certs.caPath, ...extra }, {});
  try {
    const loaded = loadFixtures([`${fixtures}/${file}`], { webhooks: target.webhooks, timeoutFor: target.timeoutFor });
    t.same(loaded.problems, []);
    return await runCases(loaded.cases, target.sender);
  } finally {
    await target.sender.close();
  }
}

t.test('the review is posted the way the apiserver posts it', async (t) => {
  seen.length = 0;
  const [result] = await replayAgainst('pod.yaml');
  t.equal(result!.passed, true, JSON.stringify(result!.failures));
  t.equal(seen.length, 1);
  const req = seen[0]!;
  t.equal(req.method, 'POST');
  t.equal(req.url, '/validate/require-memory-limits?timeout=5s', "the webhook's path, and its timeoutSeconds as ?timeout=");
  t.equal(req.headers['content-type'], 'application/json');
  t.equal(req.headers.accept, 'application/json, */*');
  t.equal(req.headers['user-agent'], 'kube-apiserver-admission');
  t.equal(req.servername, 'kadmit.kadmit.svc', 'SNI is the service name the certificate is verified against');
  t.match(req.protocol, /^TLSv1\.[23]$/);
  t.equal(req.alpn, 'http/1.1');
  t.equal(req.body.apiVersion, 'admission.k8s.io/v1');
  t.equal(req.body.request.operation, 'CREATE');
  t.equal(req.body.request.name, 'p');
  t.match(req.body.request.uid, /^[0-9a-f-]{36}$/);

  seen.length = 0;
  await replayAgainst('pod.yaml', { timeout: '2s' });
  t.equal(seen[0]!.url, '/validate/require-memory-limits?timeout=2s');
});

t.test('the server name is verified against the CA', async (t) => {
  const [wrongName] = await replayAgainst('pod.yaml', { 'server-name': 'other.kadmit.svc' });
  t.match(wrongName!.failures, [{ check: 'call', message: /as other\.kadmit\.svc: Hostname\/IP does not match certificate's altnames.*failurePolicy Fail$/ }]);
  const service = await replayAgainst('pod.yaml', { 'service-name': 'kadmit', namespace: 'kadmit' });
  t.equal(service[0]!.passed, true, '--service-name/--namespace make the default name');
  const target = await prepareTarget({ webhook: ['builtin:require-memory-limits'], url }, {});
  t.teardown(() => target.sender.close());
  const loaded = loadFixtures([`${fixtures}/pod.yaml`], { webhooks: target.webhooks, timeoutFor: target.timeoutFor });
  const [untrusted] = await runCases(loaded.cases, target.sender);
  t.match(untrusted!.failures, [{ check: 'call', message: /certificate/ }], 'without --ca, a private CA is not trusted');
});

t.test("answers the apiserver would refuse are failures, whatever the expectations", async (t) => {
  t.teardown(() => {
    answer = (body) => ({ apiVersion: body.apiVersion, kind: 'AdmissionReview', response: { uid: body.request.uid, allowed: true } });
  });
  answer = (body) => ({ apiVersion: body.apiVersion, kind: 'AdmissionReview', response: { uid: 'someone-else', allowed: true } });
  const [uid] = await replayAgainst('pod.yaml');
  t.match(uid!.failures, [{ check: 'contract', message: 'response.uid must equal request.uid', actual: 'someone-else' }]);

  answer = (body) => ({ apiVersion: body.apiVersion, kind: 'AdmissionReview', response: { uid: body.request.uid, allowed: true, patchType: 'JSONPatch', patch: Buffer.from('[]').toString('base64') } });
  const [patched] = await replayAgainst('pod.yaml');
  t.match(patched!.failures, [{ check: 'contract', message: 'a validating webhook must not return patch or patchType' }]);

  answer = (body) => ({ apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', response: { uid: body.request.uid } });
  const [envelope] = await replayAgainst('pod.yaml');
  t.match(envelope!.failures.map((f) => f.message), [
    "apiVersion must echo the request's",
    'response.allowed must be a boolean (the apiserver reads a missing one as a denial)',
  ]);
  t.match(envelope!.failures.map((f) => f.check), ['contract', 'contract', 'allowed'], 'and the expectation fails too');

  answer = () => 'hang';
  const [slow] = await replayAgainst('slow.yaml');
  t.match(slow!.failures, [{ check: 'call', message: 'no answer within 1s (?timeout=1s); the apiserver would apply failurePolicy Fail' }]);
  t.ok(slow!.latencyMs >= 900 && slow!.latencyMs < 10_000, 'gave up at the timeout');

  answer = (body) => ({ apiVersion: body.apiVersion, kind: 'AdmissionReview', response: { uid: 'x', allowed: true } });
  const cli = await runCliInProcess(['replay', '--webhook', 'builtin:require-memory-limits', '--url', url, '--ca', certs.caPath, `${fixtures}/pod.yaml`]);
  t.equal(cli.code, 1);
  t.match(cli.stdout, /x contract: response\.uid must equal request\.uid/);
});
