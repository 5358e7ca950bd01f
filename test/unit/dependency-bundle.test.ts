// Under `npm test`, kadmit's heavier dependencies load from one bundle
// (test/setup/dependency-bundle.ts, test/setup/bundle-hook.js). The suite then
// runs kadmit on the same packages, so the bundle must give each specifier what
// Node's own import of it gives.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { BUNDLED_SPECIFIERS } from '../setup/dependency-bundle.ts';
import { z as kadmitZ } from 'kadmit/zod';

const bundle = process.env['KADMIT_DEPENDENCY_BUNDLE'] ? (JSON.parse(process.env['KADMIT_DEPENDENCY_BUNDLE']) as Record<string, string>) : undefined;

/** Each specifier's export names (with `typeof` of each), as a process loads them. */
const exportsScript = `
  const out = {};
  for (const s of ${JSON.stringify(BUNDLED_SPECIFIERS)}) {
    const ns = await import(s);
    out[s] = Object.keys(ns).filter((k) => k !== 'module.exports').sort().map((k) => k + ':' + typeof ns[k]);
  }
  console.log(JSON.stringify(out));`;

function exportsIn(env: NodeJS.ProcessEnv): Record<string, string[]> {
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', exportsScript], { encoding: 'utf8', env });
  if (child.status !== 0) throw new Error(child.stderr);
  return JSON.parse(child.stdout) as Record<string, string[]>;
}

if (!bundle) {
  t.match(import.meta.resolve('zod'), /\/node_modules\/zod\//, 'run by hand: zod as installed');
} else {
  t.test('each specifier resolves to its entry in the bundle', async (t) => {
    t.same(Object.keys(bundle).sort(), [...BUNDLED_SPECIFIERS].sort());
    for (const specifier of BUNDLED_SPECIFIERS) t.equal(import.meta.resolve(specifier), bundle[specifier], specifier);
  });

  t.test('the bundle gives each specifier the names and kinds of exports that Node gives it', async (t) => {
    const bundled = exportsIn(process.env);
    const installed = exportsIn({ ...process.env, KADMIT_DEPENDENCY_BUNDLE: '' });
    for (const specifier of BUNDLED_SPECIFIERS) {
      t.ok(installed[specifier]!.length > 0, `${specifier} exports something`);
      t.same(bundled[specifier], installed[specifier], specifier);
    }
  });

  t.test('one copy of each package: kadmit and the test share zod', async (t) => {
    const { z } = await import('zod');
    t.equal(kadmitZ, z, 'kadmit/zod re-exports the z the test imports');
    t.ok(kadmitZ.string().safeParse('x').success);
  });

  t.test('another part of a bundled package is refused, naming the list to add it to', async (t) => {
    await t.rejects(import('zod/v4/core'), /zod\/v4\/core is a part of zod that the suite's dependency bundle lacks: add it to BUNDLED_SPECIFIERS/);
  });

  t.test('require() still loads the package as installed (the bundle is for import)', async (t) => {
    t.match(createRequire(import.meta.url).resolve('yaml'), /\/node_modules\/yaml\//);
  });
}
