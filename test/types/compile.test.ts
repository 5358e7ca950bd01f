// The types of typed handlers, proven by the compiler: the files in test/types
// (webhooks as a policy author writes them, and the declarations `kadmit types`
// writes for the Guestbook CRD) are type-checked with the repository's options.
// Twice: as written, where every @ts-expect-error must be used (an unused one is
// an error), so zero errors; and with the directives disabled, where each must
// mark exactly the error code it names, so no case passes for the wrong reason.
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { repoRoot, typeCheck, type Diagnostic } from './support/compiler.ts';

const here = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(here).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => join(here, f));
const DIRECTIVE = /\/\/ @ts-expect-error (TS\d+)/;

const asWritten = typeCheck(files);

t.test('the typed webhooks compile as written: every expected error happens, nothing else', async (t) => {
  t.ok(files.some((f) => f.endsWith('guestbook.d.ts')), 'with the generated Guestbook declarations');
  t.same(asWritten.diagnostics, []);
});

t.test('each @ts-expect-error marks the error it names', async (t) => {
  const expected: Diagnostic[] = [];
  for (const file of files) {
    readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
      const m = DIRECTIVE.exec(line);
      if (m) expected.push({ file: file.slice(repoRoot.length), line: i + 2, code: m[1]!, text: line.trim() });
    });
  }
  t.ok(expected.length >= 10, `${expected.length} expected errors`);
  const disabled = typeCheck(files, { rewrite: (text) => text.replace(/\/\/ @ts-expect-error/g, '// disabled-expect-error'), oldProgram: asWritten.program });
  for (const want of expected) {
    const found = disabled.diagnostics.filter((f) => f.file === want.file && f.line === want.line);
    t.ok(found.some((f) => f.code === want.code), `${want.file}:${want.line} ${want.text}`, { found });
  }
  const unexpected = disabled.diagnostics.filter((f) => !expected.some((e) => e.file === f.file && e.line === f.line));
  t.same(unexpected, [], 'no error on a line not marked');
});
