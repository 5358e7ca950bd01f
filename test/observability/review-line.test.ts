// The review line written as text is the line pino writes for the same fields,
// with the same bounds; a summary that is not plain scalars goes through pino.
import t from 'tap';
import { createLogger } from '../../src/observability/logger.ts';
import { reviewLineWriter } from '../../src/observability/review-line.ts';
import { MAX_LOG_STRING } from '../../src/observability/log-fields.ts';
import type { ReviewSummary } from '../../src/model/outcome.ts';

function capture(level: 'info' | 'debug' = 'info') {
  const lines: string[] = [];
  const log = createLogger(level, { write: (line: string) => void lines.push(line) }).child({ component: 'reviewer' });
  return { log, lines, write: reviewLineWriter(log) };
}

const summary: ReviewSummary = { decision: 'denied', code: 403, uid: 'u-1', kind: 'v1/Pod', namespace: 'shop', name: 'web', operation: 'CREATE', dryRun: false };

t.test('the same line as pino writes, field for field', async (t) => {
  const fast = capture();
  fast.write('info', { webhook: 'w.example.com', summary, abort: undefined, durationMs: 1.25 });
  const slow = capture();
  slow.log.info({ webhook: 'w.example.com', ...summary, durationMs: 1.25 }, 'review');
  t.equal(fast.lines.length, 1);
  t.ok(fast.lines[0]!.endsWith('}\n') && fast.lines[0]!.indexOf('\n') === fast.lines[0]!.length - 1, 'one line');
  const [a, b] = [JSON.parse(fast.lines[0]!), JSON.parse(slow.lines[0]!)];
  t.match(a.time, /^\d{4}-\d\d-\d\dT/);
  delete a.time;
  delete b.time;
  t.same(a, b);
  t.same(Object.keys(a).slice(0, 4), ['level', 'service', 'component', 'webhook'], 'level and bindings first, as pino writes them');
});

t.test('abort, the level, and strings that need escaping or cutting', async (t) => {
  const { lines, write } = capture('info');
  write('debug', { webhook: 'w', summary: { decision: 'skipped', code: 200, skipped: 'namespace' }, durationMs: 0.5 });
  t.equal(lines.length, 0, 'below the level: nothing written');
  const hostile = `"\n\u2028${'x'.repeat(MAX_LOG_STRING)}`;
  write('info', { webhook: 'w', summary: { decision: 'error', code: 504, uid: hostile, failure: 'deadline-exceeded' }, abort: 'deadline-exceeded', durationMs: Number.NaN });
  t.equal(lines.length, 1);
  t.equal(lines[0]!.indexOf('\n'), lines[0]!.length - 1, 'no newline but the last');
  const line = JSON.parse(lines[0]!);
  t.match(line, { level: 30, webhook: 'w', decision: 'error', code: 504, failure: 'deadline-exceeded', abort: 'deadline-exceeded', durationMs: null, msg: 'review' });
  t.ok(line.uid.startsWith('"\n\u2028xx'));
  t.ok(line.uid.length <= MAX_LOG_STRING && line.uid.endsWith(`[truncated: ${hostile.length} characters in all]`));
});

t.test('a summary with a field that is not a plain scalar is logged through pino, bounded', async (t) => {
  const { lines, write } = capture();
  const odd = { decision: 'allowed', code: 200, uid: { nested: 'x'.repeat(MAX_LOG_STRING + 10) } } as unknown as ReviewSummary;
  write('info', { webhook: 'w', summary: odd, durationMs: 2 });
  t.equal(lines.length, 1);
  const line = JSON.parse(lines[0]!);
  t.match(line, { msg: 'review', webhook: 'w', decision: 'allowed', uid: { nested: /truncated/ } });
});
