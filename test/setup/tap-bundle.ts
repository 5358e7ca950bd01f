// tap as one file for the suite's test processes. Every test file is a process
// of its own that imports tap: ~270 modules (yaml, diff, tcompare, @tapjs/*), of
// which Node's loader resolves, reads and links each, ~0.3 s of CPU before the
// file's first line. Bundled, it is one module: ~0.18 s (`import tap` then one
// assertion, 4 runs each). `npm test` (scripts/test.ts) builds the bundle when
// tap's files changed, and test/setup/bundle-hook.js resolves `tap` to it in
// each test process. `npx tap` run by hand loads tap as installed.
//
// The bundle lives under node_modules/.cache/.../node_modules/@tapjs/: tap leaves
// frames from a `node_modules/@tapjs/` path out of the stacks and `at:` lines it
// reports, as it does for tap itself, and the few packages the bundle still
// requires at run time (react-element-to-jsx-string, for tcompare) resolve from
// there to the project's node_modules.
import { build } from 'esbuild';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleIsCurrent, inputStamps, REQUIRE_BANNER, writeAtomically } from './bundle-record.ts';

/** The file URL of a bundle of `tap` as installed under `root`, built if missing or stale. */
export async function tapBundle(root: string): Promise<string> {
  const dir = join(root, 'node_modules', '.cache', 'kadmit-tests', 'node_modules', '@tapjs', 'bundle');
  const file = join(dir, 'tap.mjs');
  if (bundleIsCurrent(dir)) return pathToFileURL(file).href;
  const result = await build({
    entryPoints: [fileURLToPath(import.meta.resolve('tap'))],
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: file,
    write: false,
    metafile: true,
    logLevel: 'error',
    banner: { js: REQUIRE_BANNER },
  });
  writeAtomically(dir, result.outputFiles, inputStamps(root, result.metafile, fileURLToPath(import.meta.url)));
  return pathToFileURL(file).href;
}
