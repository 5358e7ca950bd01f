// The configuration file: found as --config, KADMIT_CONFIG or ./kadmit.yaml;
// paths in it relative to the file; module paths without an extension found as
// .js or .ts.
import t from 'tap';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findConfigFile, readConfigFile } from '../../src/config/file.ts';
import { loadServeConfig } from '../../src/config/load.ts';
import { resolveWebhookModule } from '../../src/webhooks/load.ts';

t.test('where the configuration comes from', async (t) => {
  const root = t.testdir({ project: { 'kadmit.yaml': 'namespace: from-file\n' }, empty: {} });
  const dir = join(root, 'project');
  t.equal(findConfigFile('other.yaml', {}, dir), join(dir, 'other.yaml'), '--config wins');
  t.equal(findConfigFile(undefined, { KADMIT_CONFIG: 'env.yaml' }, dir), join(dir, 'env.yaml'), 'then KADMIT_CONFIG');
  t.equal(findConfigFile(undefined, {}, dir), join(dir, 'kadmit.yaml'), 'then ./kadmit.yaml');
  t.equal(findConfigFile(undefined, {}, join(root, 'empty')), undefined, 'else none');
  t.equal(loadServeConfig([], {}, dir).namespace, 'from-file', 'serve reads ./kadmit.yaml with no arguments');
});

t.test('paths in the file are relative to it; flags stay relative to the working directory', async (t) => {
  const dir = t.testdir({
    project: {
      'kadmit.yaml': [
        'webhooks: [./policies/a, builtin:pod-security, /abs/b.ts]',
        'settings: {./policies/a: {x: 1}, builtin:pod-security: {exemptNamespaces: [legacy]}}',
        'crds: [crds/widget.yaml]',
        'certDir: ./certs',
        'tlsCertFile: ""',
        'fixtures: ./fixtures',
      ].join('\n'),
    },
  });
  const file = readConfigFile(join(dir, 'project/kadmit.yaml'));
  const base = join(dir, 'project');
  t.same(file.settings.webhooks, [join(base, 'policies/a'), 'builtin:pod-security', '/abs/b.ts']);
  t.same(Object.keys(file.settings.settings as object), [join(base, 'policies/a'), 'builtin:pod-security'], 'settings keys move with their modules');
  t.same(file.settings.crds, [join(base, 'crds/widget.yaml')]);
  t.equal(file.settings.certDir, join(base, 'certs'));
  t.equal(file.settings.tlsCertFile, '', 'empty stays empty');
  t.same(file.project.fixtures, [join(base, 'fixtures')]);
  t.same(file.written.webhooks, ['./policies/a', 'builtin:pod-security', '/abs/b.ts'], 'as written, for the manifests');
  const fromElsewhere = loadServeConfig(['--config', join(base, 'kadmit.yaml'), '--crd', 'x.yaml'], {}, '/');
  t.same(fromElsewhere.crds, ['x.yaml'], 'a flag is not rewritten');
  t.equal(fromElsewhere.certDir, join(base, 'certs'));
});

t.test('bad files are usage errors that name the file', async (t) => {
  const dir = t.testdir({ 'list.yaml': '- a\n', 'bad.yaml': 'a: [\n', 'fixtures.yaml': 'fixtures: 3\n', 'big.yaml': `x: "${'a'.repeat(1024 * 1024)}"\n` });
  t.throws(() => readConfigFile(join(dir, 'list.yaml')), /list\.yaml must be a mapping of settings/);
  t.throws(() => readConfigFile(join(dir, 'bad.yaml')), /bad\.yaml is not valid YAML/);
  t.throws(() => readConfigFile(join(dir, 'fixtures.yaml')), /fixtures: expected a path or a list of paths/);
  t.throws(() => readConfigFile(join(dir, 'big.yaml')), /larger than 1048576 bytes/);
  t.throws(() => readConfigFile(join(dir, 'missing.yaml')), /cannot read config file .*missing\.yaml/);
});

t.test('a module named without its extension is found as .js or .ts, never both', async (t) => {
  const dir = t.testdir({ 'a.ts': '', 'b.js': '', 'c.ts': '', 'c.js': '', 'd.mts': '' });
  t.equal(resolveWebhookModule('./a', dir), pathToFileURL(join(dir, 'a.ts')).href);
  t.equal(resolveWebhookModule('./b', dir), pathToFileURL(join(dir, 'b.js')).href);
  t.equal(resolveWebhookModule('./a.ts', dir), pathToFileURL(join(dir, 'a.ts')).href, 'a full name as it is');
  t.throws(() => resolveWebhookModule('./c', dir), /webhook module \.\/c is ambiguous: .*c\.js and .*c\.ts both exist/);
  t.throws(() => resolveWebhookModule('./e', dir), /does not exist .*\(tried e\.js, e\.ts, e\.mjs, e\.mts\)/);
  t.throws(() => resolveWebhookModule('./a.js', dir), /webhook module \.\/a\.js does not exist/);
});

t.test("the file's settings follow the webhooks served when a flag or the test kit names them", async (t) => {
  const root = t.testdir({
    'kadmit.yaml': 'webhooks: [./policies/a, builtin:pod-security]\nsettings: {./policies/a: {team: shop}, builtin:pod-security: {exemptNamespaces: [legacy]}}\n',
  });
  const subset = loadServeConfig(['--webhook', './policies/a.ts'], {}, root);
  t.same(subset.settings, { './policies/a.ts': { team: 'shop' } }, 'keyed by the spec as served; settings of webhooks not served are left out');
  const fromEnv = loadServeConfig([], { KADMIT_WEBHOOKS: 'builtin:pod-security' }, root);
  t.same(fromEnv.settings, { 'builtin:pod-security': { exemptNamespaces: ['legacy'] } });
  const fromFile = loadServeConfig([], {}, root);
  t.same(Object.keys(fromFile.settings as object).sort(), ['builtin:pod-security', join(root, 'policies/a')].sort(), 'all of them when the file names the webhooks');
});
