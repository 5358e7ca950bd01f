// `kadmit serve --watch` as a real process over HTTPS: 16 keep-alive connections
// send reviews without a pause while the policy's helper module is rewritten. Every
// review is answered 200 with a valid AdmissionReview by the old or the new code
// (never by failurePolicy), no connection is dropped, and the verdicts flip within
// 2 s of the write. A broken save (code or config) keeps the old code serving and
// logs the file and the problem; fixing it reloads.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Socket } from 'node:net';
import { runCli, startCli, finished, waitForLog } from '../helpers/process.ts';
import { fixtureWebhook } from '../helpers/server.ts';
import { review } from '../helpers/https-client.ts';

const KADMIT = pathToFileURL(new URL('../../src/index.ts', import.meta.url).pathname).href;
const CONNECTIONS = 16;
const FLIP_WITHIN_MS = 2_000;

const POLICY = `import { defineValidatingWebhook } from ${JSON.stringify(KADMIT)};
import { decide } from './decide.ts';
export default defineValidatingWebhook({
  name: 'watched.test.kadmit.dev', path: '/watched', failurePolicy: 'Fail',
  rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }],
  validate: () => decide(),
});
`;
const decide = (verdict: string) => `import { allow, deny } from ${JSON.stringify(KADMIT)};\nexport const decide = () => ${verdict};\n`;

interface Answer {
  sentAt: number;
  answeredAt: number;
  /** 'v1' (allowed), a denial's message, or what was wrong with the answer. */
  verdict: string;
  socket: Socket;
}

/** One review on a keep-alive connection of `agent`: its verdict, or what was wrong with the answer. */
function send(port: number, ca: string, agent: Agent, uid: string): Promise<Answer> {
  const sentAt = Date.now();
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/watched?timeout=10s', method: 'POST', ca, servername: 'kadmit.kadmit.svc', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString('utf8')));
      res.on('end', () => resolve({ sentAt, answeredAt: Date.now(), verdict: verdictOf(res.statusCode, text, uid), socket: req.socket! }));
    });
    req.on('error', (err) => resolve({ sentAt, answeredAt: Date.now(), verdict: `request failed: ${err.message}`, socket: req.socket! }));
    req.end(JSON.stringify(review({ uid })));
  });
}

function verdictOf(status: number | undefined, text: string, uid: string): string {
  if (status !== 200) return `HTTP ${status}: ${text}`;
  const body = JSON.parse(text);
  if (body.apiVersion !== 'admission.k8s.io/v1' || body.kind !== 'AdmissionReview' || body.response?.uid !== uid) return `not a valid AdmissionReview for ${uid}: ${text}`;
  if (body.response.allowed === true && body.response.status === undefined) return 'v1';
  return body.response.allowed === false ? String(body.response.status?.message) : `unexpected: ${text}`;
}

t.test('serve --watch: a policy edit under load flips the verdicts within 2 s, nothing fails or drops; a broken edit keeps the old code', async (t) => {
  const testStarted = performance.now();
  const dir = t.testdir({ 'kadmit.yaml': 'webhooks: [./policy.ts]\n', 'policy.ts': POLICY, 'decide.ts': decide('allow()') });
  const child = startCli(['serve', '--watch', '--workers', '1', '--webhook-address', '127.0.0.1:0', '--ops-address', '127.0.0.1:0', '--cert-dir', join(dir, 'certs'), '--drain-delay-ms', '0'], { cwd: dir });
  t.teardown(() => child.kill('SIGKILL'));
  const exited = finished(child);
  const watching = waitForLog(child, (l) => /--watch is on/.test(l.msg));
  const warm = waitForLog(child, (l) => /workers started ahead are ready/.test(l.msg), 30_000);
  const serving = await waitForLog(child, (l) => l.msg === 'kadmit serving');
  t.match((await watching).files, [join(dir, 'policy.ts'), join(dir, 'decide.ts'), join(dir, 'kadmit.yaml')], 'watches the module, what it imports from the project, and the config');
  const port: number = serving.webhook.port;
  const ca = readFileSync(join(dir, 'certs', 'ca.crt'), 'utf8');

  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  t.teardown(() => agent.destroy());
  const answers: Answer[] = [];
  let running = true;
  let sent = 0;
  const loops = Array.from({ length: CONNECTIONS }, async () => {
    while (running) answers.push(await send(port, ca, agent, `r-${sent++}`));
  });
  const waitUntil = async (done: () => boolean, what: string) => {
    const until = Date.now() + 10_000;
    while (!done()) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  await waitUntil(() => answers.length >= 100, 'the first answers');
  await warm;
  t.comment(`${Math.round(performance.now() - testStarted)} ms: serving, workers started ahead ready`);
  const reloaded = waitForLog(child, (l) => /^reloaded/.test(l.msg));
  const writtenAt = Date.now();
  writeFileSync(join(dir, 'decide.ts'), decide("deny('v2')"));
  await waitUntil(() => answers.some((a) => a.verdict === 'v2' && a.sentAt > writtenAt), 'the new verdict');
  const flippedAt = Date.now();
  await waitUntil(() => answers.some((a) => a.sentAt > flippedAt + 300), 'reviews after the flip');
  running = false;
  await Promise.all(loops);
  const reload = await reloaded;
  t.match(reload.changed, [join(dir, 'decide.ts')]);

  const wrong = answers.filter((a) => a.verdict !== 'v1' && a.verdict !== 'v2');
  t.same(wrong.map((a) => a.verdict).slice(0, 5), [], `every one of ${answers.length} reviews answered 200 by the old or the new code`);
  t.equal(new Set(answers.map((a) => a.socket)).size, CONNECTIONS, `all on the same ${CONNECTIONS} connections: none dropped`);
  const firstNew = Math.min(...answers.filter((a) => a.verdict === 'v2').map((a) => a.answeredAt));
  const lastOld = Math.max(...answers.filter((a) => a.verdict === 'v1').map((a) => a.answeredAt));
  t.comment(`${answers.length} reviews; from the write: first new verdict ${firstNew - writtenAt} ms, last old verdict ${lastOld - writtenAt} ms; the reload took ${reload.tookMs} ms (modules loaded on the main thread in ${reload.loadedMs} ms)`);
  t.ok(firstNew - writtenAt < FLIP_WITHIN_MS, `the first new verdict within ${FLIP_WITHIN_MS} ms of the write (${firstNew - writtenAt} ms)`);
  t.ok(lastOld - writtenAt < FLIP_WITHIN_MS, `the last old verdict within ${FLIP_WITHIN_MS} ms of the write (${lastOld - writtenAt} ms)`);
  t.same(answers.filter((a) => a.sentAt > firstNew && a.verdict !== 'v2').length, 0, 'once the new code answered, every review sent after got the new verdict');

  t.comment(`${Math.round(performance.now() - testStarted)} ms: flip checked`);
  const failed = waitForLog(child, (l) => /^reload failed/.test(l.msg));
  writeFileSync(join(dir, 'decide.ts'), 'export const decide = () => {{;\n');
  const failure = await failed;
  t.comment(`logged: ${failure.msg}`);
  t.equal(failure.level, 50, 'logged as an error');
  t.match(failure.problem, join(dir, 'decide.ts'), 'names the broken file');
  t.equal((await send(port, ca, agent, 'after-broken')).verdict, 'v2', 'the old code still answers');

  const fixed = waitForLog(child, (l) => /^reloaded/.test(l.msg));
  writeFileSync(join(dir, 'decide.ts'), decide("deny('v3')"));
  await fixed;
  t.equal((await send(port, ca, agent, 'after-fix')).verdict, 'v3', 'the fixed code answers');

  const badConfig = waitForLog(child, (l) => /^reload failed/.test(l.msg));
  writeFileSync(join(dir, 'kadmit.yaml'), 'webhooks: [./policy.ts]\ncelCostLimit: lots\n');
  t.match((await badConfig).problem, /kadmit\.yaml: celCostLimit/, 'an invalid config file: named with the setting');
  const moved = waitForLog(child, (l) => /^reload failed/.test(l.msg));
  writeFileSync(join(dir, 'kadmit.yaml'), 'webhooks: [./policy.ts]\n');
  writeFileSync(join(dir, 'policy.ts'), POLICY.replace("path: '/watched'", "path: '/moved'"));
  t.match((await moved).problem, /new webhook path\(s\) \/moved: .*restart/, 'a path not served at start takes a restart');
  t.equal((await send(port, ca, agent, 'after-refused')).verdict, 'v3', 'the last code that loaded still answers');

  // A failed save that imports a new file: that file is watched from then on, so fixing it reloads.
  const newImport = waitForLog(child, (l) => /^reload failed/.test(l.msg));
  writeFileSync(join(dir, 'extra.ts'), 'export const extra = ;\n');
  writeFileSync(join(dir, 'policy.ts'), `import { extra } from './extra.ts';\n${POLICY.replace('validate: () => decide()', 'validate: () => extra')}`);
  t.match((await newImport).problem, join(dir, 'extra.ts'));
  const extraFixed = waitForLog(child, (l) => /^reloaded/.test(l.msg));
  writeFileSync(join(dir, 'extra.ts'), decide("deny('v4')").replace('export const decide = () =>', 'export const extra ='));
  await extraFixed;
  t.equal((await send(port, ca, agent, 'after-extra')).verdict, 'v4', 'fixing the new file reloads');

  agent.destroy();
  child.kill('SIGTERM');
  const result = await exited;
  t.equal(result.code, 0, result.stderr);
});

t.test('--watch is refused where it cannot work, before anything starts', async (t) => {
  const dir = t.testdir({});
  const noWorkers = await runCli(['serve', '--watch', '--workers', '0', '--webhook', fixtureWebhook('misbehaving')], { cwd: dir });
  t.equal(noWorkers.code, 2);
  t.match(noWorkers.stderr, /--watch needs review workers/);
  const builtinsOnly = await runCli(['serve', '--watch'], { cwd: dir });
  t.equal(builtinsOnly.code, 2);
  t.match(builtinsOnly.stderr, /--watch: nothing to watch/);
});
