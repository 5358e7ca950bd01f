// The leak check runs in CI at a smaller scale (npm run leakcheck runs 10,000 of each).
import t from 'tap';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

t.test('nothing outlives its request', async (t) => {
  const script = fileURLToPath(new URL('../../scripts/leakcheck.ts', import.meta.url));
  const child = spawn(process.execPath, ['--expose-gc', script, '--requests', '1000', '--spinning', '10', '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  const code = await new Promise((r) => child.on('close', r));
  const report = JSON.parse(out);
  t.same(report.checks, { inFlightZero: true, resourcesAtBaseline: true, listenersAtBaseline: true, heapWithin5MB: true, poolFullSize: true, everySpinReplacedItsWorker: true }, JSON.stringify(report, null, 1));
  t.equal(report.outcomes.errors, 0, 'every answered review was a 200');
  t.equal(code, 0);
});
