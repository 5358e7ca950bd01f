// --watch: a first run at once, then another whenever a fixture or the webhook
// module changes, with the changed code loaded (each run is a fresh process).
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startCli, finished } from '../helpers/process.ts';
import { ROOT } from './support.ts';

const defineUrl = pathToFileURL(join(ROOT, 'src/webhooks/define.ts')).href;
const verdictUrl = pathToFileURL(join(ROOT, 'src/model/verdict.ts')).href;
const module = (verdict: string) => `import { defineValidatingWebhook } from ${JSON.stringify(defineUrl)};
import { allow, deny } from ${JSON.stringify(verdictUrl)};
export default defineValidatingWebhook({
  name: 'watched.test.kadmit.dev', path: '/watched',
  rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }],
  validate: () => ${verdict},
});
`;
const fixture = (name: string) => `name: ${name}\noperation: CREATE\nobject: {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\nexpect: {allowed: true}\n`;

t.test('re-runs on a new fixture and on changed webhook code', async (t) => {
  const dir = t.testdir({ 'webhook.ts': module('allow()'), fixtures: { 'one.yaml': fixture('one') } });
  const child = startCli(['replay', '--watch', '--webhook', join(dir, 'webhook.ts'), join(dir, 'fixtures')], { cwd: ROOT });
  const done = finished(child);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const waitFor = async (pattern: RegExp, what: string) => {
    const until = Date.now() + 30_000;
    while (!pattern.test(out)) {
      if (Date.now() > until || child.exitCode !== null) throw new Error(`no ${what} in:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  await waitFor(/run 1 exited 0; watching 2 path\(s\)/, 'first run');
  t.match(out, /1 case: 1 passed, 0 failed/);

  writeFileSync(join(dir, 'fixtures', 'two.yaml'), fixture('two'));
  await waitFor(/run 2 exited 0/, 'second run after a new fixture');
  t.match(out, /\[kadmit replay --watch\] run 2: changed .*two\.yaml/);
  t.match(out, /2 cases: 2 passed, 0 failed/);

  writeFileSync(join(dir, 'webhook.ts'), module("deny('changed my mind')"));
  await waitFor(/run 3 exited 1/, 'third run after the webhook changed');
  t.match(out, /run 3: changed .*webhook\.ts/);
  t.match(out, /x allowed: expected allowed, got denied \("changed my mind"\)/, 'the new code ran');

  writeFileSync(join(dir, 'fixtures', 'notes.txt'), 'not a fixture');
  await new Promise((r) => setTimeout(r, 600));
  t.notMatch(out, /run 4/, 'other files do not trigger a run');

  child.kill('SIGTERM');
  const exit = await done;
  t.equal(exit.code, 0, exit.stderr);
});
