// The soak in a few seconds (npm run soak -- --minutes 10 runs it for real):
// a mix of normal, hostile, slow, aborted and overrunning reviews, no wrong
// answer, no crash, nothing left in flight, a clean exit.
import t from 'tap';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

t.test('a short soak', async (t) => {
  const script = fileURLToPath(new URL('../../scripts/soak.ts', import.meta.url));
  const child = spawn(process.execPath, [script, '--seconds', '8', '--every', '4', '--concurrency', '2', '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  const code = await new Promise((r) => child.on('close', r));
  const report = JSON.parse(out);
  t.same(report.checks, { noWrongAnswers: true, noCrash: true, peakUnderLimit: true, inFlightZeroAtEnd: true, cleanExit: true }, JSON.stringify(report.counts));
  for (const kind of ['normal', 'hostile', 'slow', 'aborted', 'overrun']) t.ok(report.counts.byKind[kind] > 0, `${kind} reviews were sent`);
  t.ok(report.samples.length >= 3, 'sampled over time');
  t.equal(code, 0);
});
