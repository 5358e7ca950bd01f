// The bench's compile-cache warm-up (bench/lib/servers.ts): kadmit from this
// checkout, started with an empty cache directory, serves, is stopped with
// SIGTERM, and leaves the cache filled as it exits; the measured starts then
// compile nothing.
import t from 'tap';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, warmCompileCache } from '../../bench/lib/servers.ts';
import { REPO_ROOT } from '../../bench/lib/paths.ts';

t.test('a checkout started once writes its compiled code to the cache', async (t) => {
  const dir = t.testdir({ cache: {} });
  const ms = await warmCompileCache(REPO_ROOT, join(dir, 'certs'), undefined, { ...cleanEnv(), NODE_COMPILE_CACHE: join(dir, 'cache') });
  t.type(ms, 'number', 'it served');
  const entries = readdirSync(join(dir, 'cache')).flatMap((d) => readdirSync(join(dir, 'cache', d)));
  t.ok(entries.length > 400, `${entries.length} modules' compiled code written as it exited (the main thread alone loads ~500)`);
});
