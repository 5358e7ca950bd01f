// The Guestbook fixtures whose objects break a CRD validation rule (or a list
// type), replayed through `kadmit replay` in-process: the same pipeline as
// `kadmit serve`, so the answer offline is the cluster's verdict. Each fixture's
// expectation is its sidecar (<fixture>.expect.yaml).
import t from 'tap';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCliInProcess } from '../helpers/cli.ts';
import { ROOT } from '../replay/support.ts';

const dir = join(ROOT, 'test/fixtures/guestbook');
const cases = readdirSync(dir).filter((f) => f.endsWith('.expect.yaml')).map((f) => join(dir, f.replace(/\.expect\.yaml$/, '.json')));

t.test('every rule of the Guestbook CRD denies with the API server message, through kadmit replay', async (t) => {
  t.ok(cases.length >= 8, 'the rule fixtures are there');
  const run = await runCliInProcess(['replay', '--webhook', 'builtin:guestbook', '--crd', join(ROOT, 'examples/crds/guestbook.yaml'), '--format', 'json', ...cases]);
  t.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as { summary: { total: number; failed: number }; results: { id: string; passed: boolean; failures: unknown[] }[] };
  t.equal(report.summary.total, cases.length);
  for (const r of report.results) t.ok(r.passed, `${r.id}: ${JSON.stringify(r.failures)}`);
});
