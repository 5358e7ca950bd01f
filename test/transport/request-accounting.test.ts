// Every request the webhook listener answers is counted with bounded labels,
// and the ones the transport refuses itself (404, 405, 413, 415) are logged,
// capped per status code. First the hooks on a bare fastify with an injected
// clock, then the real listener over HTTPS, read back from /metrics.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import pino from 'pino';
import { accountRequests, requestAccounting, type RequestLabels } from '../../src/transport/request-accounting.ts';
import { createWebhookServer } from '../../src/transport/webhook-server.ts';
import type { Reviewer } from '../../src/admission/reviewer.ts';
import { httpsRequest, review } from '../helpers/https-client.ts';
import { startTestServer } from '../helpers/server.ts';
import { opsGet } from '../helpers/ops-client.ts';

function capture(): { log: pino.Logger; lines: Record<string, any>[] } {
  const lines: Record<string, any>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

t.test('labels are bounded; only requests that never reach a review are logged, one line per status per window', async (t) => {
  const { log, lines } = capture();
  const counted: RequestLabels[] = [];
  let clock = 0;
  const accounting = requestAccounting(log, (labels) => counted.push(labels), () => clock);
  const app = Fastify();
  accountRequests(app, accounting);
  app.addHook('onRequest', async (request, reply) => {
    if (request.headers['content-type'] === 'text/plain') return reply.code(415).send('no');
  });
  app.post('/validate/x', async () => ({ ok: true }));
  app.get('/validate/x', async (_request, reply) => reply.code(405).send('POST only'));
  t.teardown(() => app.close());

  // A review is tracked by the review route, before fastify, and marked once it reaches the Reviewer.
  const answered = Object.assign(new EventEmitter(), { headersSent: true, statusCode: 200 });
  accounting.track('/validate/x', 'POST', '/validate/x?timeout=10s', answered as unknown as ServerResponse).reviewed = true;
  answered.emit('close');
  const send = async (method: 'GET' | 'POST' | 'PROPFIND', url: string, contentType = 'application/json') => {
    await app.inject({ method: method as 'GET', url, headers: { 'content-type': contentType }, ...(method === 'POST' && { payload: '{}' }) });
    await new Promise((resolve) => setImmediate(resolve));
  };
  await send('GET', '/validate/x');
  await send('POST', '/validate/x', 'text/plain');
  await send('POST', '/secret/path?token=abc');
  await send('POST', '/another-unknown-path');
  await send('PROPFIND', '/validate/x');
  t.same(counted, [
    { route: '/validate/x', method: 'POST', code: '200' },
    { route: '/validate/x', method: 'GET', code: '405' },
    { route: '/validate/x', method: 'POST', code: '415' },
    { route: 'unmatched', method: 'POST', code: '404' },
    { route: 'unmatched', method: 'POST', code: '404' },
    { route: 'unmatched', method: 'other', code: '404' },
  ], 'never the URL asked for, never an unknown method');

  const refused = lines.filter((l) => l.msg === 'request refused');
  t.same(refused.map((l) => [l.level, l.method, l.path, l.status]), [
    [40, 'GET', '/validate/x', '405'],
    [40, 'POST', '/validate/x', '415'],
    [40, 'POST', '/secret/path', '404'],
  ], 'the review is not logged here (the Reviewer logs it); the second and third 404 wait for the next window; no query string');

  clock = 10_000;
  await send('POST', '/third-unknown');
  const last = lines.filter((l) => l.msg === 'request refused').at(-1)!;
  t.same([last.path, last.unloggedSinceLastLine], ['/third-unknown', 2], 'the next window logs, with the count left unlogged');
});

t.test('the listener counts 404, 405, 413, 415 and reviews in /metrics', async (t) => {
  const server = await startTestServer({ webhooks: ['builtin:require-memory-limits'], maxBodyBytes: 64 * 1024, logLevel: 'info', workers: 1 });
  t.teardown(() => server.close());
  const path = '/validate/require-memory-limits';
  const post = (to: string, body: string, headers: Record<string, string> = {}) => httpsRequest(server.webhookPort, server.ca, `${to}?timeout=5s`, body, { headers });
  t.equal((await post(path, JSON.stringify(review({})))).status, 200);
  t.equal((await post('/validate/misspelled', JSON.stringify(review({})))).status, 404);
  t.equal((await httpsRequest(server.webhookPort, server.ca, path, undefined, { method: 'GET' })).status, 405);
  t.equal((await post(path, JSON.stringify(review({})), { 'content-type': 'text/plain' })).status, 415);
  t.equal((await post(path, JSON.stringify({ pad: 'x'.repeat(100 * 1024) }))).status, 413);

  const metrics = (await opsGet(server.opsPort, '/metrics')).text;
  const count = (route: string, method: string, code: string) =>
    new RegExp(`^kadmit_webhook_requests_total\\{route="${route.replaceAll('/', '\\/')}",method="${method}",code="${code}"\\} 1$`, 'm');
  t.match(metrics, count(path, 'POST', '200'));
  t.match(metrics, count('unmatched', 'POST', '404'));
  t.match(metrics, count(path, 'GET', '405'));
  t.match(metrics, count(path, 'POST', '415'));
  t.match(metrics, count(path, 'POST', '413'));
  t.notMatch(metrics, /misspelled/, 'the path asked for is no label');

  const refused = server.logs.filter((l) => l.msg === 'request refused').map((l) => `${l.status} ${l.method} ${l.path}`);
  t.same(refused.sort(), ['404 POST /validate/misspelled', `405 GET ${path}`, `413 POST ${path}`, `415 POST ${path}`]);
});

// No route declares a JSON schema, so fastify's schema compilers (ajv and
// fast-json-stringify, ~160 modules with what they load) stay unloaded: start-up time and memory of
// every replica. Checked in a fresh process, as this one has loaded fastify's defaults above.
const BARE_SERVER = {
  webhooks: [], tls: { key: '', cert: '' },
  tlsMinVersion: 'TLSv1.2' as const, tlsCiphers: '', maxBodyBytes: 1024, jsonLimits: { maxDepth: 8, maxEntries: 8, maxValues: 8 },
  headersTimeoutMs: 1000, requestTimeoutMs: 1000, keepAliveTimeoutMs: 1000, idleTimeoutMs: 1000,
};

t.test('the listener loads no JSON-schema compiler', async (t) => {
  const code = `
    import { createRequire } from 'node:module';
    import pino from 'pino';
    import { createWebhookServer } from ${JSON.stringify(new URL('../../src/transport/webhook-server.ts', import.meta.url).href)};
    const server = createWebhookServer({ ...${JSON.stringify(BARE_SERVER)}, reviewer: {}, log: pino({ level: 'silent' }) });
    await server.fastify.ready();
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    console.log(JSON.stringify({ fastify: loaded.filter((f) => f.includes('/node_modules/fastify/')).length, compilers: loaded.filter((f) => /node_modules\\/(ajv|@fastify\\/ajv-compiler|@fastify\\/fast-json-stringify-compiler)\\//.test(f)) }));
    await server.close();`;
  // KADMIT_DEPENDENCY_BUNDLE empty: fastify from node_modules, file by file as installed (npm test bundles it otherwise).
  const child = spawnSync(process.execPath, ['--conditions=kadmit-source', '--input-type=module', '-e', code], { encoding: 'utf8', env: { ...process.env, KADMIT_DEPENDENCY_BUNDLE: '' } });
  t.equal(child.status, 0, child.stderr);
  const { fastify, compilers } = JSON.parse(child.stdout) as { fastify: number; compilers: string[] };
  t.ok(fastify > 10, 'fastify itself is loaded (so the check sees what it loads)');
  t.same(compilers, [], 'no ajv, no fast-json-stringify compiler');
});

t.test('a route that declares a JSON schema is refused when the listener starts', async (t) => {
  const server = createWebhookServer({ ...BARE_SERVER, reviewer: {} as Reviewer, log: pino({ level: 'silent' }) });
  server.fastify.post('/with-schema', { schema: { body: { type: 'object' } } }, async () => 'never');
  await t.rejects(async () => {
    await server.fastify.ready();
  }, /kadmit routes declare no JSON schema/);
});
