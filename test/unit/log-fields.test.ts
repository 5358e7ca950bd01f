// Log lines are bounded and redacted whatever is logged, at every level.
import t from 'tap';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/observability/logger.ts';
import { MAX_LOG_STRING, MAX_LOG_VALUES, sanitizeLogFields } from '../../src/observability/log-fields.ts';

function capture(level: 'trace' | 'info' = 'trace') {
  const lines: string[] = [];
  const log = createLogger(level, new Writable({ write(c, _e, done) { lines.push(String(c)); done(); } }));
  return { log, lines, last: () => JSON.parse(lines.at(-1)!) };
}

class Unreadable extends Error {
  override get message(): string {
    throw new Error('no');
  }
}

t.test('strings, keys, values and depth are capped with a marker', async (t) => {
  const { log, last } = capture();
  log.info({ uid: 'u'.repeat(1024 * 1024) }, 'm'.repeat(100_000));
  const line = last();
  t.ok(line.uid.length <= MAX_LOG_STRING && line.msg.length <= MAX_LOG_STRING);
  t.match(line.uid, /… \[truncated: 1048576 characters in all\]$/);
  log.debug({ many: Object.fromEntries(Array.from({ length: MAX_LOG_VALUES + 10 }, (_, i) => [`k${i}`, i])) });
  t.match(last().many['…'], /^\d+ more keys not logged$/);
  log.trace({ list: Array.from({ length: MAX_LOG_VALUES + 10 }, () => 1) });
  t.match(last().list.at(-1), /more items not logged/);
  let deep: unknown = 'bottom';
  for (let i = 0; i < 100; i++) deep = [deep];
  log.info({ deep });
  t.match(JSON.stringify(last().deep), /nested too deep to log/);
  const cycle: Record<string, unknown> = { a: 1 };
  cycle.self = cycle;
  log.info({ cycle });
  t.same(last().cycle, { a: 1, self: '[circular]' });
});

t.test('an error that cannot be read still makes a line, at every level', async (t) => {
  const { log, lines, last } = capture();
  for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const) {
    log[level](new Unreadable());
    t.match(last(), { err: { type: 'Unreadable', message: 'an error whose message cannot be read' } }, level);
  }
  log.error({ err: new Proxy({}, { get: () => { throw new Error('trap'); }, ownKeys: () => { throw new Error('trap'); } }) }, 'proxy');
  t.match(last(), { err: '[unreadable]', msg: 'proxy' });
  log.info({ big: 10n, sym: Symbol('s'), fn: () => 1 });
  t.same([last().big, last().sym, last().fn], ['10', 'Symbol(s)', undefined]);
  t.equal(lines.length, 8);
});

t.test('Secrets are redacted under any key, in lists and nested, by kind', async (t) => {
  const secret = { apiVersion: 'v1', kind: 'Secret', data: { p: 'c2VjcmV0' }, metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"p":"c2VjcmV0"}}', team: 'a' } } };
  const configMap = { apiVersion: 'v1', kind: 'ConfigMap', data: { p: 'visible' } };
  const out = sanitizeLogFields({ mine: { nested: [secret] }, configMap });
  t.notMatch(JSON.stringify(out), /c2VjcmV0/);
  t.match(out, { mine: { nested: [{ data: { p: '[REDACTED]' }, metadata: { annotations: { team: 'a' } } }] }, configMap: { data: { p: 'visible' } } });
});
