// The error catalog (src/error-codes.ts) and the sources agree: every
// KADMIT_ error code named in src/ (in code, comments or READMEs) is in the
// catalog, every catalog entry is raised somewhere, and docs/errors.md is
// what `npm run gen:errors` writes from it. KadmitError's type already refuses
// an unknown code; this catches the codes that travel as text (a code named
// in a message, a comment, a README) and the entries nothing raises any more.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import t from 'tap';
import ts from 'typescript';
import { ERROR_CODES } from '../../src/error-codes.ts';
import { SERVE_OPTIONS } from '../../src/config/options.ts';
import { ERRORS_DOC, errorsMarkdown } from '../../scripts/gen-errors.ts';
import { REPO_ROOT } from './import-graph.ts';

const CATALOG = 'src/error-codes.ts';
// Every KADMIT_ name in it is a setting (an environment variable), even the two
// that are also error codes: raising those is done elsewhere.
const SETTINGS_TABLE = 'src/config/options.ts';
// The one environment variable outside the options table: where kadmit.yaml is.
const CONFIG_FILE_VARIABLE = 'KADMIT_CONFIG';
const SETTINGS = new Set<string>([...SERVE_OPTIONS.map((o) => o.env), CONFIG_FILE_VARIABLE]);
const CODES = new Set(Object.keys(ERROR_CODES));
const NAME = /\bKADMIT_[A-Z0-9_]+/g;

interface Names {
  /** Named as text: in a string, a template, a regular expression, a comment. Program identifiers (KADMIT_VERSION) are not codes. */
  mentioned: Set<string>;
  /** Named in a string or template literal: what raising a code takes. */
  inLiterals: Set<string>;
}

/** The KADMIT_ names in a TypeScript source. */
function namesInSource(fileName: string, text: string): Names {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const identifierStarts = new Set<number>();
  const inLiterals = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) || ts.isPrivateIdentifier(node)) identifierStarts.add(node.getStart(source));
    else if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateLiteralToken(node)) {
      for (const [name] of node.text.matchAll(NAME)) inLiterals.add(name);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  const mentioned = new Set([...text.matchAll(NAME)].filter((m) => !identifierStarts.has(m.index)).map(([name]) => name));
  return { mentioned, inLiterals };
}

/** Repository-relative paths of the .ts and .md files under src/ that name anything KADMIT_, with their names. */
function namesUnderSrc(): Map<string, Names> {
  const found = new Map<string, Names>();
  for (const entry of readdirSync(join(REPO_ROOT, 'src'), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.(ts|md)$/.test(entry.name)) continue;
    const file = relative(REPO_ROOT, join(entry.parentPath, entry.name)).split('\\').join('/');
    const text = readFileSync(join(REPO_ROOT, file), 'utf8');
    if (file === CATALOG || !text.includes('KADMIT_')) continue;
    found.set(file, file.endsWith('.md') ? { mentioned: new Set(text.match(NAME)), inLiterals: new Set() } : namesInSource(file, text));
  }
  return found;
}

/** A code in the catalog; a setting; or a prefix (`KADMIT_CRD_`, as in `KADMIT_CRD_*`) of catalog codes. */
function known(name: string): boolean {
  if (CODES.has(name) || SETTINGS.has(name)) return true;
  return name.endsWith('_') && [...CODES].some((code) => code.startsWith(name));
}

const names = namesUnderSrc();

t.test('every KADMIT_ error code named in src/ is in the catalog (src/error-codes.ts)', async (t) => {
  t.ok(names.size > 20, `${names.size} files under src/ name KADMIT_ codes or settings`);
  t.ok(SETTINGS.size > 30, `${SETTINGS.size} settings from the options table`);
  t.match(readFileSync(join(REPO_ROOT, 'src/config/file.ts'), 'utf8'), `env.${CONFIG_FILE_VARIABLE}`, `${CONFIG_FILE_VARIABLE} is still a setting (read by src/config/file.ts)`);
  const missing = [...names].flatMap(([file, n]) => [...n.mentioned].filter((name) => !known(name)).map((name) => `${name} (${file})`));
  t.same(missing, [], 'add these to src/error-codes.ts, then npm run gen:errors (or, if one is a new setting, add it to the options table)');
});

t.test('every catalog entry is raised somewhere in src/ (no dead entries)', async (t) => {
  const raised = new Set([...names].filter(([file]) => file !== SETTINGS_TABLE).flatMap(([, n]) => [...n.inLiterals]));
  t.same([...CODES].filter((code) => !raised.has(code)), [], 'no string in src/ holds these codes: delete them from src/error-codes.ts');
});

t.test('docs/errors.md is generated from the catalog (npm run gen:errors)', async (t) => {
  t.equal(readFileSync(ERRORS_DOC, 'utf8'), errorsMarkdown());
});

t.test('names are read from strings, templates, regular expressions and comments, not from identifiers', async (t) => {
  const sample = [
    "import { KADMIT_VERSION } from './version.ts';",
    '// Throws KADMIT_CRD_* for a CRD it refuses.',
    "throw new KadmitError('KADMIT_A', `made by ${KADMIT_VERSION} [KADMIT_B]`);",
    'const family = /^KADMIT_C_/;',
  ].join('\n');
  const n = namesInSource('sample.ts', sample);
  t.same([...n.mentioned].sort(), ['KADMIT_A', 'KADMIT_B', 'KADMIT_CRD_', 'KADMIT_C_']);
  t.same([...n.inLiterals].sort(), ['KADMIT_A', 'KADMIT_B']);
  t.ok(known('KADMIT_CRD_'), 'a prefix of catalog codes is known');
  t.notOk(known('KADMIT_NO_SUCH_'), 'a prefix of no catalog code is not');
});
