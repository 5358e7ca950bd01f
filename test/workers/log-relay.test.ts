// A worker's log line is written once, as the worker's pino wrote it, with the
// pool logger's bindings and the thread id appended; a line from an untrusted
// worker that is too long, not one line, or not pino-shaped is not relayed.
import t from 'tap';
import { createLogger } from '../../src/observability/logger.ts';
import { createLogRelay, MAX_RELAYED_LINE } from '../../src/workers/log-relay.ts';

function mainLog(level: 'info' | 'warn' = 'info') {
  const written: string[] = [];
  const log = createLogger(level, { write: (line: string) => written.push(line) }).child({ component: 'workers' });
  return { relay: createLogRelay(log), written };
}

function workerLine(level: 'debug' | 'info' | 'warn', fields: Record<string, unknown>, msg: string): string {
  let line = '';
  createLogger('debug', { write: (l: string) => (line = l) })[level](fields, msg);
  return line;
}

t.test('a worker line gets the bindings and the thread id, and is otherwise as the worker wrote it', async (t) => {
  const { relay, written } = mainLog();
  const line = workerLine('info', { uid: 'u-1', webhook: 'w' }, 'handler looked at the pod');
  t.equal(relay(7, line), 'written');
  t.equal(written.length, 1);
  t.ok(written[0]!.endsWith('}\n') && written[0]!.indexOf('\n') === written[0]!.length - 1, 'one line');
  const { worker, component, ...rest } = JSON.parse(written[0]!) as Record<string, unknown>;
  t.same({ worker, component }, { worker: 7, component: 'workers' });
  t.same(rest, JSON.parse(line));
});

t.test('our fields win over same-named ones a worker wrote', async (t) => {
  const { relay, written } = mainLog();
  relay(3, workerLine('warn', { worker: 'forged', component: 'forged' }, 'x'));
  t.match(JSON.parse(written[0]!), { worker: 3, component: 'workers', msg: 'x', level: 40 });
});

t.test("lines below the main logger's level are not written", async (t) => {
  const { relay, written } = mainLog('warn');
  t.equal(relay(1, workerLine('info', {}, 'routine')), 'below-level');
  t.equal(relay(1, workerLine('warn', {}, 'worth it')), 'written');
  t.equal(written.length, 1);
});

t.test('an untrusted worker cannot forge lines, send non-pino text or flood the log', async (t) => {
  const { relay, written } = mainLog();
  t.equal(relay(1, '{"level":30,"msg":"a"}\n{"level":50,"msg":"forged"}\n'), 'malformed', 'two lines in one');
  t.equal(relay(1, '{"level":30,"msg":"a\r"}\n'), 'malformed', 'a carriage return');
  t.equal(relay(1, '{"level":30,"msg":"no end"}'), 'malformed', 'no line end');
  t.equal(relay(1, 'plain text\n'), 'malformed');
  t.equal(relay(1, '{"level":"30","msg":"a"}\n'), 'malformed', 'a level that is no number');
  t.equal(relay(1, '{"level":30000,"msg":"a"}\n'), 'malformed', 'a level of more than 3 digits');
  t.equal(relay(1, `{"level":30,"msg":"${'x'.repeat(MAX_RELAYED_LINE)}"}\n`), 'too-long');
  t.same(written, []);
});
