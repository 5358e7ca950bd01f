// `--log-format pretty`: human lines with the review's fields first, Secrets
// redacted as in JSON, and nothing a client sent able to break a line.
import t from 'tap';
import { createLogger } from '../../src/observability/logger.ts';
import { prettyDestination, prettyLine } from '../../src/observability/pretty-log.ts';
import { serveConfigSchema } from '../../src/config/options.ts';
import { loadServeConfig } from '../../src/config/load.ts';

function prettyLogger(colors = false): { log: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger('debug', prettyDestination({ write: (text: string) => lines.push(text) }, { colors })), lines };
}

t.test('time, level, message, then the review fields in order, then the rest', async (t) => {
  const { log, lines } = prettyLogger();
  log.child({ operation: 'CREATE', uid: 'u-1', webhook: 'pods.example.com', kind: 'v1/Pod', namespace: 'shop', name: 'web' }).info({ decision: 'allowed', durationMs: 1.5 }, 'review');
  t.match(lines[0], /^\d\d:\d\d:\d\d\.\d{3} INFO  review uid=u-1 webhook=pods.example.com kind=v1\/Pod namespace=shop name=web operation=CREATE decision=allowed durationMs=1.5\n$/);
  t.notMatch(lines[0], /service=/);
});

t.test('Secrets are redacted as in the JSON format', async (t) => {
  const { log, lines } = prettyLogger();
  log.debug({ object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { password: 'aHVudGVyMg==' } } }, 'review objects');
  t.notMatch(lines[0], /aHVudGVyMg==/);
  t.match(lines[0], /"password":"\[REDACTED\]"/);
});

t.test('a value with a newline or a terminal escape is quoted and escaped', async (t) => {
  const { log, lines } = prettyLogger();
  log.info({ uid: 'a\nFAKE 00:00:00.000 ERROR forged', name: '\u001b[2Jcleared', empty: '' }, 'line\nbreak');
  t.equal(lines.length, 1);
  t.equal(lines[0]!.split('\n').length, 2, 'one line and its newline');
  t.notMatch(lines[0], /\u001b/);
  t.match(lines[0], /INFO  "line\\nbreak" uid="a\\nFAKE/);
  t.match(lines[0], /empty=""/);
});

t.test('an error shows its message and its stack indented below', async (t) => {
  const { log, lines } = prettyLogger();
  log.error({ err: Object.assign(new Error('boom'), { code: 'KADMIT_X' }) }, 'handler failed');
  t.match(lines[0], /^\S+ ERROR handler failed err=boom err\.code=KADMIT_X\n {4}at /);
});

t.test('colours only when asked, on the level', async (t) => {
  const { log, lines } = prettyLogger(true);
  log.warn('careful');
  t.match(lines[0], /\u001b\[33mWARN \u001b\[0m careful/);
});

t.test('a line that is not JSON is passed on, escaped', async (t) => {
  t.equal(prettyLine('not json\u001b[0m\n', { colors: false }), '"not json\\u001b[0m"\n');
});

t.test('--log-format: json by default, pretty on request, anything else named', async (t) => {
  t.equal((serveConfigSchema.parse({}) as { logFormat: string }).logFormat, 'json');
  t.equal(loadServeConfig(['--log-format', 'pretty'], {}).logFormat, 'pretty');
  t.throws(() => loadServeConfig(['--log-format', 'xml'], {}), /log-format/);
});
