// The bench starts its peers on the certificate kadmit created. kadmit serves a
// new pair a moment before its store has written it, so a peer waits for the
// files rather than failing when its launch comes first.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { servingPairWritten } from '../../bench/lib/servers.ts';

t.test('a pair written after the check starts is waited for', async (t) => {
  const dir = t.testdir({ 'tls.crt': 'cert' });
  setTimeout(() => writeFileSync(join(dir, 'tls.key'), 'key'), 150);
  t.equal(await servingPairWritten(dir, 5_000), true);
});

t.test('a pair that never comes is reported once the wait is over', async (t) => {
  const dir = t.testdir({ 'tls.crt': 'cert' });
  const started = Date.now();
  t.equal(await servingPairWritten(dir, 200), false);
  t.ok(Date.now() - started >= 200, 'it waited the whole time');
});

t.test('a pair already there is taken at once', async (t) => {
  t.equal(await servingPairWritten(t.testdir({ 'tls.crt': 'cert', 'tls.key': 'key' }), 0), true);
});
