// tap as one file for the suite's test processes. Every test file is a process
// of its own that imports tap: ~270 modules (yaml, diff, tcompare, @tapjs/*), of
// which Node's loader resolves, reads and links each, ~0.3 s of CPU before the
// file's first line. Bundled, it is one module: ~0.18 s (`import tap` then one
// assertion, 4 runs each). `npm test` (scripts/test.ts) builds the bundle when
// tap's files changed, and test/setup/tap-bundle-hook.js resolves `tap` to it in
// each test process. `npx tap` run by hand loads tap as installed.
//
// The bundle lives under node_modules/.cache/.../node_modules/@tapjs/: tap leaves
// frames from a `node_modules/@tapjs/` path out of the stacks and `at:` lines it
// reports, as it does for tap itself, and the few packages the bundle still
// requires at run time (react-element-to-jsx-string, for tcompare) resolve from
// there to the project's node_modules.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** What the bundle was built from: each input's size and modification time. */
type Inputs = Record<string, [size: number, mtimeMs: number]>;

function stamp(path: string): [number, number] | undefined {
  const s = statSync(path, { throwIfNoEntry: false });
  return s && [s.size, s.mtimeMs];
}

function isCurrent(inputs: Inputs): boolean {
  return Object.entries(inputs).every(([path, was]) => {
    const now = stamp(path);
    return now !== undefined && now[0] === was[0] && now[1] === was[1];
  });
}

/** The file URL of a bundle of `tap` as installed under `root`, built if missing or stale. */
export async function tapBundle(root: string): Promise<string> {
  const dir = join(root, 'node_modules', '.cache', 'kadmit-tests', 'node_modules', '@tapjs', 'bundle');
  const file = join(dir, 'tap.mjs');
  const inputsFile = join(dir, 'inputs.json');
  try {
    if (isCurrent(JSON.parse(readFileSync(inputsFile, 'utf8')) as Inputs) && stamp(file)) return pathToFileURL(file).href;
  } catch {
    // No bundle yet, or an unreadable record of it: build one.
  }
  const entry = fileURLToPath(import.meta.resolve('tap'));
  mkdirSync(dir, { recursive: true });
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: file,
    write: false,
    metafile: true,
    logLevel: 'error',
    // Bundled CommonJS packages call require(); an ES module has none of its own.
    banner: { js: "import { createRequire as kadmitCreateRequire } from 'node:module'; const require = kadmitCreateRequire(import.meta.url);" },
  });
  // Renamed into place: another `npm test` may be loading the previous bundle.
  writeFileSync(`${file}.${process.pid}`, result.outputFiles[0]!.contents);
  renameSync(`${file}.${process.pid}`, file);
  const inputs: Inputs = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const path = join(root, input);
    const s = stamp(path);
    if (s) inputs[path] = s;
  }
  writeFileSync(`${inputsFile}.${process.pid}`, JSON.stringify(inputs));
  renameSync(`${inputsFile}.${process.pid}`, inputsFile);
  return pathToFileURL(file).href;
}
