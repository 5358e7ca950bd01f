// The three abort causes over real sockets, in worker and inline mode: never confused.
import t from 'tap';
import { request } from 'node:https';
import { httpsRequest, review } from '../helpers/https-client.ts';
import { startTestServer, fixtureWebhook, type TestServer } from '../helpers/server.ts';

/** Sends a review and destroys the socket after `ms`, before any answer. */
function postAndHangUp(server: TestServer, path: string, uid: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: server.webhookPort, path, method: 'POST', ca: server.ca, servername: 'kadmit.kadmit.svc', headers: { 'content-type': 'application/json' } });
    req.on('error', () => resolve());
    req.on('response', () => t.fail('no answer may be written to a client that left'));
    req.end(JSON.stringify(review({ uid })));
    setTimeout(() => {
      req.destroy();
      resolve();
    }, ms);
  });
}

async function logLine(server: TestServer, match: (l: Record<string, any>) => boolean, ms = 3_000): Promise<Record<string, any> | undefined> {
  const until = Date.now() + ms;
  for (;;) {
    const found = server.logs.find(match);
    if (found || Date.now() > until) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const workers of [1, 0]) {
  t.test(`workers=${workers}`, async (t) => {
    const server = await startTestServer({ webhooks: [fixtureWebhook('misbehaving')], workers, shutdownGraceMs: 1_500 });
    t.teardown(() => server.close());
    const post = (path: string, uid: string) => httpsRequest(server.webhookPort, server.ca, path, JSON.stringify(review({ uid })));
    const sawKind = (uid: string) => logLine(server, (l) => l.msg === 'sleep handler aborted' && l.uid === uid).then((l) => l?.sawKind);

    t.test('deadline-exceeded: answered by failurePolicy, handler told why', async (t) => {
      const res = (await post('/sleep?timeout=1s', `deadline-${workers}`)).json();
      t.equal(res.response.allowed, false);
      t.equal(res.response.status.code, 504);
      t.equal(res.response.status.message, 'webhook "sleep.test.kadmit.dev" did not decide within 0.5s');
      t.equal(await sawKind(`deadline-${workers}`), 'deadline-exceeded');
      const line = await logLine(server, (l) => l.msg === 'review' && l.uid === `deadline-${workers}`);
      t.equal(line?.abort, 'deadline-exceeded');
      t.equal(line?.failure, 'deadline-exceeded');
    });

    t.test('client-disconnected: nothing written, handler aborted', async (t) => {
      await postAndHangUp(server, '/sleep?timeout=10s', `gone-${workers}`, 150);
      t.equal(await sawKind(`gone-${workers}`), 'client-disconnected');
      t.ok(await logLine(server, (l) => l.msg === 'review abandoned: client went away' && l.abort === 'client-disconnected'));
    });

    t.test('a disconnect just before the deadline is still a disconnect', async (t) => {
      // 1.2 s into a 1.5 s budget (2 s minus the 0.5 s margin): 300 ms before the
      // deadline, room enough on a loaded machine for the hang-up to be seen first.
      await postAndHangUp(server, '/sleep?timeout=2s', `late-gone-${workers}`, 1_200);
      t.equal(await sawKind(`late-gone-${workers}`), 'client-disconnected');
    });

    t.test('a handler that ignores its signal is answered on time; its late result is discarded', async (t) => {
      const started = Date.now();
      const res = (await post('/ignore-signal?timeout=5s', `ignore-${workers}`)).json();
      t.ok(Date.now() - started < 1_000, 'answered at the 0.5 s budget of a 1 s webhook');
      t.equal(res.response.allowed, true, 'failurePolicy Ignore fails open');
      t.match(res.response.auditAnnotations['failed-open'], /did not decide within 0\.5s/);
      t.ok(await logLine(server, (l) => l.msg === 'late handler result discarded' && l.uid === `ignore-${workers}`));
    });

    t.test('a malformed ?timeout= falls back to timeoutSeconds and is logged once per webhook', async (t) => {
      for (const timeout of ['abc', '-1s', '0', '1h']) t.equal((await post(`/quick?timeout=${timeout}`, `q-${timeout}`)).status, 200);
      const warned = server.logs.filter((l) => l.webhook === 'quick.test.kadmit.dev' && /timeout= is missing or unusable/.test(l.msg));
      t.equal(warned.length, 1);
    });

    t.test('shutdown: reviews still running near the end of the grace period are aborted with kind shutdown', async (t) => {
      const during = post('/sleep?timeout=10s', `stop-${workers}`);
      const deadlineDuring = post('/sleep?timeout=1s', `stop-deadline-${workers}`);
      await new Promise((r) => setTimeout(r, 100));
      const stopped = server.shutdown();
      const res = (await during).json();
      t.equal(res.response.allowed, false);
      t.equal(res.response.status.code, 503);
      t.match(res.response.status.message, /kadmit is shutting down/);
      t.equal((await deadlineDuring).json().response.status.code, 504, 'a deadline during shutdown is still a deadline');
      await stopped;
      t.equal(await sawKind(`stop-deadline-${workers}`), 'deadline-exceeded');
      if (workers === 0) t.equal(await sawKind(`stop-${workers}`), 'shutdown');
    });
  });
}
