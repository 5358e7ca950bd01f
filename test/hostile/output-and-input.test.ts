// What a handler or a client can make large or malformed, over real sockets:
// every answer is bounded, nothing is a 500, ?timeout= is read as the apiserver
// means it, /debug/* stays on loopback, and memory pressure sheds with 429.
import t from 'tap';
import { networkInterfaces } from 'node:os';
import { httpsRequest, review } from '../helpers/https-client.ts';
import { startTestServer, fixtureWebhook } from '../helpers/server.ts';
import { isLoopback } from '../../src/transport/ops-server.ts';

const server = await startTestServer({ webhooks: [fixtureWebhook('hostile-handlers'), fixtureWebhook('misbehaving')], workers: 1, logLevel: 'info' });
t.teardown(() => server.close());
const post = (path: string, body: unknown = review({})) => httpsRequest(server.webhookPort, server.ca, path, typeof body === 'string' ? body : JSON.stringify(body));
const response = async (path: string, body?: unknown) => (await post(path, body)).json().response;

t.test('a handler cannot make the answer large', async (t) => {
  const message = (await response('/huge-message?timeout=10s')).status.message;
  t.ok(message.length <= 4096);
  t.match(message, /… \[truncated: 20971524 characters in all\]$/);
  const annotations = (await response('/many-annotations?timeout=10s')).auditAnnotations;
  t.equal(Object.keys(annotations).length, 64);
  t.match(annotations['kadmit-annotations-dropped'], /^99937 audit annotations over the limit of 64 were dropped$/);
  t.match((await response('/many-warnings?timeout=10s')).warnings.at(-1), /more warnings were not sent/);
  const patch = await response('/huge-patch?timeout=10s');
  t.match(patch, { allowed: false, status: { code: 500, message: /failed with an internal error \(error id [0-9a-f]{8}\)/ } }, 'a 20 MB patch is answered by failurePolicy');
  t.notOk('patch' in patch);
  t.ok(server.logs.some((l) => l.msg === 'webhook handler failed' && l.err?.code === 'KADMIT_PATCH_TOO_LARGE'));
});

t.test('an error or verdict that cannot be read is a handler error', async (t) => {
  const failed = await response('/unreadable-error?timeout=10s', review({ uid: 'unreadable-1' }));
  t.match(failed.status.message, /failed with an internal error \(error id [0-9a-f]{8}\)$/);
  const line = server.logs.find((l) => l.msg === 'review' && l.uid === 'unreadable-1');
  t.match(line, { failure: 'handler-error', errorId: /^[0-9a-f]{8}$/ });
  const verdict = await response('/unreadable-verdict?timeout=10s', review({ uid: 'unreadable-2' }));
  t.match(verdict, { allowed: true, warnings: [/failed open: failed with an internal error \(error id/] }, 'Ignore: fails open');
  t.equal((await response('/quick', review({ uid: 'after' }))).allowed, true, 'the worker survived both');
});

t.test('a 1 MiB uid is refused, not echoed, and bounded in the log', async (t) => {
  const res = await post('/quick?timeout=10s', review({ uid: 'u'.repeat(1024 * 1024) }));
  t.equal(res.status, 400);
  t.ok(res.text.length < 1024);
  t.ok(server.logs.every((l) => JSON.stringify(l).length < 16 * 1024), 'no log line carries it');
});

t.test('?timeout= is read like Go reads it: the first value wins, nothing is a 500', async (t) => {
  const first = await response('/sleep?timeout=1s&timeout=10s');
  t.equal(first.status.message, 'webhook "sleep.test.kadmit.dev" did not decide within 0.5s', 'the first (1s) counts');
  t.equal((await response('/quick?timeout=10s&timeout=1s')).allowed, true, 'this answered 500 before');
  for (const query of ['timeout=', 'timeout', 'timeout=%zz', 'timeout[]=1s', 'timeout[a]=1', '&&&', 'timeout=1s;timeout=2s', `timeout=${'9'.repeat(4000)}s`, 'timeout=-1s', 'timeout=NaNs', 'timeout=1e400s']) {
    const res = await post(`/quick?${query}`);
    t.equal(res.status, 200, query.slice(0, 40));
  }
  for (const [path, body] of [['/quick', '\u0000'], ['/quick', '{"apiVersion":'], ['/%zz', '{}'], ['//quick', '{}'], ['/quick', '['.repeat(100_000)], ['/quick', '"' + '\\'.repeat(1001) + '"']] as const) {
    const res = await post(path, body);
    t.ok(res.status >= 400 && res.status < 500, `${path} ${JSON.stringify(body.slice(0, 12))}: ${res.status}`);
  }
});

t.test('/debug/* answers loopback only; probes and metrics answer everywhere', async (t) => {
  t.ok(isLoopback('127.0.0.1') && isLoopback('127.1.2.3') && isLoopback('::1') && isLoopback('::ffff:127.0.0.1'));
  t.notOk(isLoopback('10.0.0.1') || isLoopback('::ffff:10.0.0.1') || isLoopback('fe80::1') || isLoopback(undefined));
  t.equal((await fetch(`http://127.0.0.1:${server.opsPort}/debug/inflight`)).status, 200, 'from loopback');
  const external = Object.values(networkInterfaces()).flat().find((i) => i && !i.internal && i.family === 'IPv4')?.address;
  if (external === undefined) {
    t.comment('no non-loopback interface on this machine: the view from outside is not checked');
    return;
  }
  const outside = await startTestServer({ opsAddress: '0.0.0.0:0', webhooks: [fixtureWebhook('misbehaving')], workers: 0 });
  t.teardown(() => outside.close());
  t.equal((await fetch(`http://${external}:${outside.opsPort}/debug/inflight`)).status, 404, `not from ${external}`);
  t.equal((await fetch(`http://${external}:${outside.opsPort}/healthz`)).status, 200);
  t.equal((await fetch(`http://${external}:${outside.opsPort}/metrics`)).status, 200);
  t.equal((await fetch(`http://127.0.0.1:${outside.opsPort}/debug/certs`)).status, 200);
});

t.test('near the memory limit new reviews get 429 with Retry-After; probes still answer', async (t) => {
  const tight = await startTestServer({ webhooks: [fixtureWebhook('misbehaving')], workers: 0, memoryShedBytes: 1 });
  t.teardown(() => tight.close());
  const res = await httpsRequest(tight.webhookPort, tight.ca, '/quick', JSON.stringify(review({})));
  t.equal(res.status, 429);
  t.equal(res.headers['retry-after'], '1');
  t.equal(res.json().code, 'KADMIT_OVERLOADED');
  t.equal((await fetch(`http://127.0.0.1:${tight.opsPort}/healthz`)).status, 200);
  t.match(await (await fetch(`http://127.0.0.1:${tight.opsPort}/metrics`)).text(), /kadmit_requests_shed_total\{reason="memory"\} 1/);
});
