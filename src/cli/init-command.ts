// `kadmit init [dir]`: scaffolds a policy project from templates/policy-project,
// complete on its first run (webhooks, fixtures, tests, kadmit.yaml, Dockerfile,
// CI). It never overwrites: if any file it would write exists, it writes
// nothing and names them, unless --force.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.ts';
import { argsError } from '../config/suggest.ts';
import { KADMIT_VERSION } from '../version.ts';
import type { CliIo } from './io.ts';

const TEMPLATE_DIR = new URL('../../templates/policy-project/', import.meta.url);
// npm drops or renames dot files and nested package.json files in a tarball, so
// the templates carry them under these names.
const RENAMED: Record<string, string> = { '_package.json': 'package.json', _gitignore: '.gitignore', _dockerignore: '.dockerignore', _github: '.github' };
const NPM_NAME = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

export function initHelp(): string {
  return [
    'Usage: kadmit init [options] [DIR]',
    '',
    'Scaffolds a policy project in DIR (default: the current directory): a validating',
    'and a mutating webhook, fixtures with expectations, tests with kadmit/testing,',
    'kadmit.yaml, tsconfig, a Dockerfile FROM the kadmit image, a CI workflow and a',
    'README. Existing files are never overwritten: if any would be, nothing is written.',
    '',
    '  --name NAME   the package name (default: the directory name)',
    '  --force       overwrite files that exist',
    '  --help        show this help',
    '',
    'Then: cd DIR && npm install && npm test',
  ].join('\n');
}

interface PackageJson {
  version: string;
  engines?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** The versions the scaffold pins: kadmit's own, and the toolchain kadmit itself is built with. */
function placeholders(name: string): Record<string, string> {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as PackageJson;
  const dev = pkg.devDependencies ?? {};
  const need = (dep: string): string => {
    const range = dev[dep];
    if (range === undefined) throw new Error(`kadmit's package.json names no devDependency ${dep}`);
    return range;
  };
  return {
    name,
    kadmitVersion: KADMIT_VERSION,
    kadmitRange: `^${KADMIT_VERSION}`,
    nodeEngines: pkg.engines?.node ?? '>=22.19.0',
    nodeRange: need('node'),
    typescriptRange: need('typescript'),
    typesNodeRange: need('@types/node'),
  };
}

function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`template placeholder ${whole} has no value`);
    return value;
  });
}

/** Every template file: its path in the template and where it goes in the project. */
function templateFiles(dir: string, prefix = ''): { from: string; to: string }[] {
  return readdirSync(dir).sort().flatMap((entry) => {
    const from = join(dir, entry);
    const to = join(prefix, RENAMED[entry] ?? entry);
    return statSync(from).isDirectory() ? templateFiles(from, to) : [{ from, to }];
  });
}

/** `a/b/c.ts` -> `a`, `a/b`. */
function parentsOf(path: string): string[] {
  const parts = path.split(sep).slice(0, -1);
  return parts.map((_, i) => parts.slice(0, i + 1).join(sep));
}

export interface InitResult {
  dir: string;
  written: string[];
}

export function scaffold(target: string, options: { name?: string; force?: boolean } = {}): InitResult {
  const dir = resolve(target);
  const name = options.name ?? basename(dir).toLowerCase().replace(/[^a-z0-9-._~]+/g, '-').replace(/^[-._]+/, '');
  if (!NPM_NAME.test(name) || name.length > 214) {
    throw new UsageError(`"${name}" is not a valid npm package name; give one with --name`);
  }
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`${target} exists and is not a directory`);
  const values = placeholders(name);
  const files = templateFiles(fileURLToPath(TEMPLATE_DIR));
  const existing = files.map((f) => f.to).filter((to) => existsSync(join(dir, to)));
  // A file where the project needs a folder (e.g. a file named `policies`) would stop the writing halfway.
  const blocked = [...new Set(files.flatMap((f) => parentsOf(f.to)))].filter((d) => existsSync(join(dir, d)) && !statSync(join(dir, d)).isDirectory());
  if (blocked.length > 0) throw new UsageError(`${dir} has ${blocked.join(', ')} where the project needs a folder; nothing was written`);
  if (existing.length > 0 && !options.force) {
    throw new UsageError(`${dir} already has ${existing.join(', ')}; nothing was written (--force overwrites)`);
  }
  // Render everything first, so a broken template writes nothing.
  const rendered = files.map((f) => ({ to: f.to, text: fill(readFileSync(f.from, 'utf8'), values) }));
  for (const { to, text } of rendered) {
    const path = join(dir, to);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  return { dir, written: rendered.map((r) => r.to) };
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { name: { type: 'string' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    throw argsError(err, ['name', 'force', 'help'], 'kadmit init --help');
  }
  if (parsed.values.help) {
    io.stdout.write(`${initHelp()}\n`);
    return 0;
  }
  if (parsed.positionals.length > 1) throw new UsageError(`give at most one directory (got ${parsed.positionals.join(', ')})`);
  const target = parsed.positionals[0] ?? '.';
  const { dir, written } = scaffold(target, {
    ...(parsed.values.name !== undefined && { name: parsed.values.name }),
    ...(parsed.values.force && { force: true }),
  });
  const shown = relative(process.cwd(), dir) || '.';
  io.stdout.write([
    `kadmit: wrote a policy project in ${shown} (${written.length} files)`,
    '',
    'Next:',
    ...(shown === '.' ? [] : [`  cd ${shown}`]),
    '  npm install && npm test     # tests through kadmit\'s pipeline',
    '  npx kadmit replay           # the fixtures in fixtures/',
    '  npx kadmit serve            # serve the webhooks on https://localhost:8443',
    '',
  ].join('\n'));
  return 0;
}
