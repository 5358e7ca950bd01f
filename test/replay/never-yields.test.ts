// In-process replay runs handlers in review workers, like serve: a handler that
// never yields is answered at its deadline and replay finishes.
import t from 'tap';
import { runCliInProcess } from '../helpers/cli.ts';

t.test('kadmit replay answers a spinning handler by failurePolicy', async (t) => {
  const run = await runCliInProcess(['replay', '--webhook', 'test/fixtures/webhooks/misbehaving.ts', '--format', 'json', 'test/fixtures/never-yields/spin.yaml']);
  t.equal(run.code, 0, run.stderr + run.stdout);
  t.match(run.stdout, /504/);
  const bad = await runCliInProcess(['replay', '--webhook', 'test/fixtures/webhooks/misbehaving.ts', '--workers', 'many', 'test/fixtures/never-yields/spin.yaml']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--workers: expected a whole number/);
});
