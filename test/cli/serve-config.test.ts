// Configuration errors are usage errors: exit 2, naming the field and what was expected.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/process.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { SERVE_OPTIONS } from '../../src/config/options.ts';
import { loadServeConfig, UsageError } from '../../src/config/load.ts';

t.test('a bad value exits 2 naming the field and its source', async (t) => {
  const flag = await runCliInProcess(['serve', '--webhook-address', 'nope']);
  t.equal(flag.code, 2);
  t.match(flag.stderr, /--webhook-address: expected host:port/);
  // As a real process too: the entry point's exit code for a usage error.
  t.equal((await runCli(['bogus'])).code, 2);
  // serve starts its first worker before it reads the configuration: a refused one
  // still ends the process (the worker is stopped, not left holding it open).
  const heap = await runCli(['serve', '--worker-heap-mb', 'lots']);
  t.equal(heap.code, 2);
  t.match(heap.stderr, /--worker-heap-mb/);
});

t.test('usage errors name the setting and where it came from', async (t) => {
  const usage = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
    try {
      loadServeConfig(argv, env);
    } catch (err) {
      t.type(err, UsageError);
      return (err as Error).message;
    }
    return t.fail(`no usage error for ${argv.join(' ')}`);
  };
  t.match(usage([], { KADMIT_MAX_BODY_BYTES: 'abc' }), /KADMIT_MAX_BODY_BYTES: .*(number|NaN)/i);
  t.match(usage(['--no-such-flag']), /no-such-flag/);
  t.match(usage(['--ca-lifetime', '5ms']), /--ca-lifetime: expected a Go duration of at least 1s/);
  t.match(usage(['--ca-bundle-target', 'Secret/x']), /--ca-bundle-target: expected Kind\/name or Kind\?labelSelector/);

  const dir = t.testdir({});
  const file = join(dir, 'kadmit.yaml');
  writeFileSync(file, 'logLevel: loud\nsurprise: 1\n');
  const fromFile = usage(['--config', file]);
  t.match(fromFile, /kadmit\.yaml: logLevel: .*(trace|debug|info)/);
  t.match(fromFile, /unknown setting\(s\) surprise/);
  writeFileSync(file, '- a list\n');
  t.match(usage(['--config', file]), /must be a mapping/);
  t.match(usage(['--config', join(dir, 'missing.yaml')]), /cannot read config file/);
});

t.test('--help documents every option', async (t) => {
  // A real process: serve's entry point as a user runs it.
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
