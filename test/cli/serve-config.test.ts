// Configuration errors are usage errors: exit 2, naming the field and what was expected.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/process.ts';
import { SERVE_OPTIONS } from '../../src/config/options.ts';
import { loadServeConfig } from '../../src/config/load.ts';

t.test('bad values exit 2 naming the field and its source', async (t) => {
  const flag = await runCli(['serve', '--webhook-address', 'nope']);
  t.equal(flag.code, 2);
  t.match(flag.stderr, /--webhook-address: expected host:port/);

  const env = await runCli(['serve'], { env: { KADMIT_MAX_BODY_BYTES: 'abc' } });
  t.equal(env.code, 2);
  t.match(env.stderr, /KADMIT_MAX_BODY_BYTES: .*(number|NaN)/i);

  const unknownFlag = await runCli(['serve', '--no-such-flag']);
  t.equal(unknownFlag.code, 2);
  t.match(unknownFlag.stderr, /no-such-flag/);

  const dir = t.testdir({});
  const file = join(dir, 'kadmit.yaml');
  writeFileSync(file, 'logLevel: loud\nsurprise: 1\n');
  const fromFile = await runCli(['serve', '--config', file]);
  t.equal(fromFile.code, 2);
  t.match(fromFile.stderr, /kadmit\.yaml: logLevel: .*(trace|debug|info)/);
  t.match(fromFile.stderr, /unknown setting\(s\) surprise/);

  writeFileSync(file, '- a list\n');
  t.match((await runCli(['serve', '--config', file])).stderr, /must be a mapping/);
  t.match((await runCli(['serve', '--config', join(dir, 'missing.yaml')])).stderr, /cannot read config file/);
  t.equal((await runCli(['bogus'])).code, 2);
});

t.test('--help documents every option', async (t) => {
  const help = await runCli(['serve', '--help']);
  t.equal(help.code, 0);
  for (const o of SERVE_OPTIONS) {
    t.match(help.stdout, `--${o.flag}`);
    t.match(help.stdout, o.env);
  }
});

t.test('precedence: flag over env over file over default', async (t) => {
  const dir = t.testdir({ 'c.yaml': 'namespace: from-file\nserviceName: file-svc\nlogLevel: warn\nwebhooks: [builtin:require-memory-limits]\n' });
  const config = loadServeConfig(['--config', join(dir, 'c.yaml'), '--namespace', 'from-flag'], { KADMIT_NAMESPACE: 'from-env', KADMIT_SERVICE_NAME: 'env-svc' });
  t.equal(config.namespace, 'from-flag');
  t.equal(config.serviceName, 'env-svc');
  t.equal(config.logLevel, 'warn');
  t.same(config.webhooks, ['builtin:require-memory-limits']);
  t.equal(config.maxBodyBytes, 8 * 1024 * 1024);
  const listEnv = loadServeConfig([], { KADMIT_WEBHOOKS: 'builtin:a, builtin:b' });
  t.same(listEnv.webhooks, ['builtin:a', 'builtin:b']);
  const switchFlag = loadServeConfig(['--log-objects'], {});
  t.equal(switchFlag.logObjects, true);
});
