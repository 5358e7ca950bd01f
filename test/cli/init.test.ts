// kadmit init: a complete project from the templates, placeholders filled from
// kadmit's own package.json, and never an overwrite without --force.
import t from 'tap';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { scaffold } from '../../src/cli/init-command.ts';
import { runCli } from '../helpers/process.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { KADMIT_VERSION } from '../../src/version.ts';

const kadmitPkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

t.test('writes every file, with the versions kadmit pins', async (t) => {
  const dir = join(t.testdir(), 'My Policies');
  const { written } = scaffold(dir);
  t.ok(written.includes('package.json') && written.includes('.gitignore') && written.includes('.github/workflows/ci.yaml') && written.includes('.dockerignore'), 'dot files under their real names');
  t.notOk(written.some((f) => f.startsWith('_')), 'no template names left');
  for (const file of written) t.notMatch(readFileSync(join(dir, file), 'utf8'), /\{\{\w+\}\}/, `${file}: placeholders filled`);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  t.equal(pkg.name, 'my-policies', 'named after the directory, made a valid npm name');
  t.equal(pkg.dependencies.kadmit, `^${KADMIT_VERSION}`);
  t.equal(pkg.devDependencies.node, kadmitPkg.devDependencies.node, 'Node pinned as kadmit pins it');
  t.equal(pkg.devDependencies.typescript, kadmitPkg.devDependencies.typescript);
  t.match(readFileSync(join(dir, 'Dockerfile'), 'utf8'), `kadmit:${KADMIT_VERSION}`);
  const config = parse(readFileSync(join(dir, 'kadmit.yaml'), 'utf8'));
  t.same(config.webhooks, ['./policies/no-latest-tag', './policies/cost-center-label']);
  for (const spec of config.webhooks) t.ok(existsSync(join(dir, `${spec}.ts`)), `${spec}.ts exists`);
});

t.test('refuses to overwrite: names the files, writes nothing, exits 2; --force overwrites', async (t) => {
  const dir = t.testdir({ 'kadmit.yaml': 'mine\n' });
  t.throws(() => scaffold(dir), /already has kadmit\.yaml; nothing was written \(--force overwrites\)/);
  t.equal(readFileSync(join(dir, 'kadmit.yaml'), 'utf8'), 'mine\n');
  t.notOk(existsSync(join(dir, 'package.json')), 'nothing else written either');
  const cli = await runCliInProcess(['init', dir]);
  t.equal(cli.code, 2);
  t.match(cli.stderr, /already has kadmit\.yaml/);
  scaffold(dir, { force: true });
  t.not(readFileSync(join(dir, 'kadmit.yaml'), 'utf8'), 'mine\n');
});

t.test('bad input: a file in the way, an invalid --name, extra arguments', async (t) => {
  const dir = t.testdir({ file: 'x', blocked: { policies: 'a file where a folder goes' } });
  t.throws(() => scaffold(join(dir, 'file')), /exists and is not a directory/);
  t.throws(() => scaffold(join(dir, 'p'), { name: 'Not Valid' }), /"Not Valid" is not a valid npm package name/);
  const extra = await runCliInProcess(['init', 'a', 'b']);
  t.equal(extra.code, 2);
  t.match(extra.stderr, /give at most one directory/);
  const blocked = join(dir, 'blocked');
  t.throws(() => scaffold(blocked), /has policies where the project needs a folder; nothing was written/);
  t.same(readdirSync(blocked), ['policies'], 'nothing written');
  writeFileSync(join(dir, 'unrelated.txt'), 'kept');
  scaffold(dir);
  t.equal(readFileSync(join(dir, 'unrelated.txt'), 'utf8'), 'kept', 'other files in the directory are left alone');
});

t.test('kadmit --version and kadmit init --help', async (t) => {
  // A real process: the entry point itself.
  const version = await runCli(['--version']);
  t.equal(version.stdout, `${KADMIT_VERSION}\n`);
  const help = await runCliInProcess(['init', '--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /Usage: kadmit init \[options\] \[DIR\]/);
});
