// A review's POST is served ahead of fastify (src/transport/review-route.ts);
// everything else is fastify's. Over real TLS, with a stand-in Reviewer: the two
// paths write the same headers, for an answer and for a body too large; a POST
// that arrives while the listener closes gets fastify's 503; and a path that is
// not the webhook's as written is no webhook's.
import { connect } from 'node:tls';
import t from 'tap';
import pino from 'pino';
import { issueCa, issueServing } from '../../src/certs/issue.ts';
import { createWebhookServer, type WebhookServer } from '../../src/transport/webhook-server.ts';
import type { Reviewer } from '../../src/admission/reviewer.ts';
import type { Webhook } from '../../src/model/webhook.ts';
import { answered, type ReviewEnd } from '../../src/model/outcome.ts';
import { DEFAULT_JSON_LIMITS } from '../../src/admission/json-limits.ts';
import { httpsRequest, review } from '../helpers/https-client.ts';

const HOUR = 3_600_000;
const ca = await issueCa({ lifetimeMs: HOUR, backdateMs: 60_000 });
const tls = await issueServing({ ca, dnsNames: ['kadmit.kadmit.svc'], lifetimeMs: HOUR, backdateMs: 60_000 });
const PATH = '/validate/route-test';
const webhook = { name: 'route-test', path: PATH } as Webhook;

/** A Reviewer that allows every review once `release` resolves; counts the reviews it was given. */
function standInReviewer(release: Promise<void> = Promise.resolve()): Reviewer & { calls: number } {
  const reviewer = {
    calls: 0,
    async review(): Promise<ReviewEnd> {
      reviewer.calls++;
      await release;
      return answered('admission.k8s.io/v1', { uid: 'u', allowed: true }, { decision: 'allowed', code: 200 });
    },
  };
  return reviewer as unknown as Reviewer & { calls: number };
}

async function listen(reviewer: Reviewer): Promise<{ server: WebhookServer; port: number }> {
  const server = createWebhookServer({
    webhooks: [webhook], reviewer, tls: { key: tls.key, cert: tls.cert }, tlsMinVersion: 'TLSv1.2', tlsCiphers: '',
    maxBodyBytes: 64 * 1024, jsonLimits: DEFAULT_JSON_LIMITS,
    headersTimeoutMs: 5_000, requestTimeoutMs: 5_000, keepAliveTimeoutMs: 5_000, idleTimeoutMs: 5_000, log: pino({ level: 'silent' }),
  });
  const { port } = await server.listen('127.0.0.1', 0);
  return { server, port };
}

const body = JSON.stringify(review({ uid: 'u' }));

t.test('a review and a refusal carry the same JSON headers', async (t) => {
  const { server, port } = await listen(standInReviewer());
  t.teardown(() => server.close());
  const served = await httpsRequest(port, ca.cert, `${PATH}?timeout=5s`, body);
  const refused = await httpsRequest(port, ca.cert, '/validate/other', body);
  t.equal(served.status, 200);
  t.equal(served.json().response.allowed, true);
  t.equal(refused.status, 404);
  t.equal(served.headers['content-type'], 'application/json; charset=utf-8');
  t.equal(refused.headers['content-type'], served.headers['content-type'], 'the review route writes what fastify writes');
  t.equal(served.headers['content-length'], String(Buffer.byteLength(served.text)));
});

t.test('a body too large is refused as fastify refuses it: 413, and the connection closed', async (t) => {
  const reviewer = standInReviewer();
  const { server, port } = await listen(reviewer);
  t.teardown(() => server.close());
  const large = JSON.stringify({ pad: 'x'.repeat(100 * 1024) });
  const byRoute = await httpsRequest(port, ca.cert, `${PATH}?timeout=5s`, large);
  const byFastify = await httpsRequest(port, ca.cert, '/validate/other', large);
  for (const [name, answer] of [['review route', byRoute], ['fastify', byFastify]] as const) {
    t.equal(answer.status, 413, name);
    t.equal(answer.json().code, 'KADMIT_BODY_TOO_LARGE', name);
    t.equal(answer.headers['connection'], 'close', `${name}: the rest of the body is never read as a request`);
    t.equal(answer.headers['content-type'], 'application/json; charset=utf-8', name);
  }
  t.equal(reviewer.calls, 0);
});

t.test('a path that is not the webhook path as written is no webhook', async (t) => {
  const reviewer = standInReviewer();
  const { server, port } = await listen(reviewer);
  t.teardown(() => server.close());
  const encoded = await httpsRequest(port, ca.cert, '/validate/route%2Dtest', body);
  t.equal(encoded.status, 404);
  t.equal(encoded.json().code, 'KADMIT_NOT_FOUND');
  const slash = await httpsRequest(port, ca.cert, `${PATH}/`, body);
  t.equal(slash.status, 404);
  t.equal(reviewer.calls, 0, 'neither reached the Reviewer');
});

t.test('a POST that arrives while the listener closes is answered 503 by fastify, the one in flight is served', async (t) => {
  let release!: () => void;
  const reviewer = standInReviewer(new Promise<void>((resolve) => (release = resolve)));
  const { server, port } = await listen(reviewer);
  // The second request comes on the first's connection, busy and so kept open by close(), once closing has begun.
  const socket = connect({ host: '127.0.0.1', port, ca: ca.cert, servername: 'kadmit.kadmit.svc' });
  t.teardown(() => socket.destroy());
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  const post = `POST ${PATH}?timeout=5s HTTP/1.1\r\nhost: kadmit\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  let requests = 0;
  server.fastify.server.on('request', () => requests++);
  const until = async (done: () => boolean) => {
    while (!done()) await new Promise((resolve) => setTimeout(resolve, 10));
  };
  socket.write(post);
  await until(() => reviewer.calls === 1);
  const closed = server.close();
  socket.write(post);
  await until(() => requests === 2); // the second request has been read, while the first is in flight
  release();
  await closed;
  await new Promise((resolve) => socket.once('close', resolve));
  const statuses = [...received.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);
  t.same(statuses, ['200', '503'], received);
  t.equal(reviewer.calls, 1, 'the second never reached the Reviewer');
});
