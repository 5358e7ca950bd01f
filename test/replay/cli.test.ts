// `kadmit replay` from the command line: exit 0 when every expectation holds,
// 1 when any fails (the report shows expected and actual), 2 for usage and
// fixture errors (naming the file, document, line and field).
import t from 'tap';
import { join } from 'node:path';
import { runCli } from '../helpers/process.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { run as replayCommand } from '../../src/cli/replay-command.ts';
import { prepareTarget } from '../../src/replay/setup.ts';
import { ROOT, EXAMPLE_CONFIG, PROBE_MODULE } from './support.ts';

const pod = (limits: boolean) =>
  `object:\n  apiVersion: v1\n  kind: Pod\n  metadata: {name: web, namespace: shop}\n  spec:\n    containers: [{name: app, image: nginx${limits ? ', resources: {limits: {memory: 1Gi}}' : ''}}]\n`;
const dir = t.testdir({
  'pass.yaml': `name: limited pod\noperation: CREATE\n${pod(true)}expect: {allowed: true}\n`,
  'fail.yaml': `name: unlimited pod\noperation: CREATE\n${pod(false)}expect:\n  allowed: false\n  message: memory limits please\n`,
  bad: { 'bad.yaml': `operation: CREATE\n${pod(true)}expect:\n  allowed: yes please\n` },
});
const only = ['--webhook', 'builtin:require-memory-limits'];

t.test('exit 0: every expectation met', async (t) => {
  const res = await runCliInProcess(['replay', ...only, join(dir, 'pass.yaml')]);
  t.equal(res.code, 0, res.stderr);
  t.match(res.stdout, /^PASS {2}\S*pass\.yaml#1 {2}limited pod {2}-> require-memory-limits\.kadmit\.dev {2}\d+\.\d ms$/m);
  t.match(res.stdout, /1 case: 1 passed, 0 failed \(in-process, 2 checks, /);
  t.notMatch(res.stdout, /\u001b\[/, 'no colour when stdout is not a terminal');
});

t.test('exit 1: a failed expectation, shown with what was expected and what came back', async (t) => {
  const res = await runCliInProcess(['replay', ...only, join(dir, 'pass.yaml'), join(dir, 'fail.yaml')]);
  t.equal(res.code, 1, res.stderr);
  t.match(res.stdout, /^FAIL {2}\S*fail\.yaml#1 {2}unlimited pod/m);
  t.match(res.stdout, /^ {6}x message: expected "memory limits please", got "memory limit required: set resources\.limits\.memory on spec\.containers\[0\] \(app\)"$/m);
  t.match(res.stdout, /2 cases: 1 passed, 1 failed/);
  const colour = await runCliInProcess(['replay', ...only, join(dir, 'fail.yaml')], { env: { FORCE_COLOR: '1' } });
  t.match(colour.stdout, /\u001b\[31m/, 'FORCE_COLOR paints failures red');
});

t.test('exit 2: a malformed fixture, named by file, document, line and field', async (t) => {
  const res = await runCli(['replay', ...only, dir], { cwd: dir });
  t.equal(res.code, 2);
  t.equal(res.stdout, '', 'nothing is run');
  t.match(res.stderr, /^kadmit: invalid fixture:\n {2}bad[/\\]bad\.yaml, document 1, line 9: expect\.allowed: Invalid input: expected boolean, received string\n$/);
});

t.test('exit 2: usage errors', async (t) => {
  const several = await runCliInProcess(['replay', '--config', EXAMPLE_CONFIG, join(dir, 'pass.yaml')]);
  t.equal(several.code, 2);
  t.match(several.stderr, /pass\.yaml, document 1, line 1: names no webhook, and 9 are configured \(.*\): name one with webhook: \(name or path\) or --target/);
  const unknownFlag = await runCliInProcess(['replay', '--bogus', dir]);
  t.equal(unknownFlag.code, 2);
  t.match(unknownFlag.stderr, /Unknown option '--bogus'/);

  // The rest are thrown before anything runs; main.ts turns a UsageError into exit 2.
  const io = { stdout: process.stdout, stderr: process.stderr, env: process.env };
  const usage = async (argv: string[], message: RegExp) => t.rejects(replayCommand(argv, io), { code: 'KADMIT_USAGE', message }, argv.join(' '));
  await usage([], /give one or more fixture files or directories/);
  await usage([...only, join(dir, 'missing.yaml')], /missing\.yaml does not exist/);
  await usage([...only, '--format', 'xml', dir], /--format: expected one of table, json, tap, junit/);
  await usage([...only, '--record', '--watch', dir], /cannot be combined/);
  await usage([...only, '--target', 'nope.kadmit.dev', dir], /--target: no configured webhook has the name "nope\.kadmit\.dev"/);
  await usage([...only, '--url', 'http://127.0.0.1:1', dir], /--url: the apiserver only calls webhooks over https/);
  await usage([...only, '--url', 'https://127.0.0.1:1/?x=1', dir], /give the server's base URL/);
  await usage([...only, '--ca', 'ca.crt', dir], /--ca only applies with --url/);
  await usage([...only, '--url', 'https://127.0.0.1:1', '--ca', join(dir, 'none.crt'), dir], /--ca: cannot read/);
  await usage([...only, '--timeout', '1h', dir], /--timeout: expected a Go duration from 1ms to 30s/);
  await usage(['--webhook', join(dir, 'nope.ts'), dir], /webhook module .*nope\.ts does not exist/);
  await usage(['--webhook', 'builtin:require-memory-limits', '--settings', '{"builtin:nope": {}}', dir], /settings given for builtin:nope/);
  await usage([...only, '--deadline-margin-ms', 'lots', dir], /--deadline-margin-ms: /);
  await usage([...only, '--log-level', 'loud', dir], /--log-level: expected one of/);
});

t.test('--help', async (t) => {
  const res = await runCliInProcess(['replay', '--help']);
  t.equal(res.code, 0);
  for (const flag of ['--webhook', '--config', '--settings', '--target', '--url', '--ca', '--server-name', '--timeout', '--format', '--record', '--watch']) t.match(res.stdout, flag);
  const main = await runCliInProcess(['help']);
  t.match(main.stdout, /replay +replay AdmissionReview fixtures/);
  t.match(main.stdout, /bench +measure per-webhook latency/);
});

t.test('--timeout sets what the apiserver has left: ?timeout= is the lesser, in whole seconds', async (t) => {
  const target = await prepareTarget({ webhook: [PROBE_MODULE, 'builtin:require-memory-limits'], timeout: '2500ms' }, {});
  t.teardown(() => target.sender.close());
  const [probe] = target.webhooks.webhooks;
  const limits = target.webhooks.resolve('require-memory-limits.kadmit.dev');
  t.equal(target.timeoutFor(probe!), '3s', 'probe: timeoutSeconds 10, 2.5 s left: 3s');
  t.equal('webhook' in limits && target.timeoutFor(limits.webhook), '3s');
  const long = await prepareTarget({ webhook: ['builtin:require-memory-limits'], timeout: '20s' }, {});
  t.teardown(() => long.sender.close());
  t.equal(long.timeoutFor(long.webhooks.webhooks[0]!), '5s', "capped by the webhook's timeoutSeconds");
});

t.test('--log-level writes kadmit and handler logs to stderr, keeping stdout for the report', async (t) => {
  const probe = t.testdir({ 'p.yaml': 'operation: CREATE\nobject: {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\nexpect: {allowed: true}\n' });
  const res = await runCli(['replay', '--webhook', PROBE_MODULE, '--target', '/probe/fail', '--format', 'json', '--log-level', 'info', probe], { cwd: ROOT });
  t.equal(res.code, 0, res.stderr);
  const lines = res.stderr.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  t.ok(lines.some((l) => l.msg === 'review' && l.webhook === 'probe-fail.test.kadmit.dev'), 'the review log line');
  t.same(JSON.parse(res.stdout).summary, { total: 1, passed: 1, failed: 0, checks: 2 });
  const quiet = await runCli(['replay', '--webhook', PROBE_MODULE, '--target', '/probe/fail', probe], { cwd: ROOT });
  t.equal(quiet.stderr, '', 'silent by default');
});
