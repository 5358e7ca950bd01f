// What the suite's bundles (tap-bundle.ts, dependency-bundle.ts) share: when one
// must be built again (each keeps, beside its files, the size and modification
// time of every input esbuild read, and is rebuilt once any of them differs),
// how it is written, and the `require` its bundled CommonJS code calls.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Metafile, OutputFile } from 'esbuild';

/** What a bundle was built from: each input's size and modification time, and the files it wrote. */
export interface BundleRecord {
  inputs: Record<string, [size: number, mtimeMs: number]>;
  outputs: string[];
}

const RECORD = 'inputs.json';

/** Bundled CommonJS packages call require(); an ES module has none of its own. */
export const REQUIRE_BANNER = "import { createRequire as kadmitCreateRequire } from 'node:module'; const require = kadmitCreateRequire(import.meta.url);";

function stamp(path: string): [number, number] | undefined {
  const s = statSync(path, { throwIfNoEntry: false });
  return s && [s.size, s.mtimeMs];
}

/** True when `dir` holds a bundle whose inputs are as they were when it was built. */
export function bundleIsCurrent(dir: string): boolean {
  let record: BundleRecord;
  try {
    record = JSON.parse(readFileSync(join(dir, RECORD), 'utf8')) as BundleRecord;
  } catch {
    return false; // no bundle yet, or an unreadable record of it
  }
  const same = Object.entries(record.inputs ?? {}).every(([path, was]) => {
    const now = stamp(path);
    return now !== undefined && now[0] === was[0] && now[1] === was[1];
  });
  return same && Array.isArray(record.outputs) && record.outputs.every((file) => stamp(file) !== undefined);
}

/** Stamps of the inputs esbuild read (its metafile's paths are relative to `root`) and of `builder`, the module that chose how to build. */
export function inputStamps(root: string, metafile: Metafile, builder: string): BundleRecord['inputs'] {
  const inputs: BundleRecord['inputs'] = {};
  for (const path of [builder, ...Object.keys(metafile.inputs).map((input) => join(root, input))]) {
    const s = stamp(path);
    if (s) inputs[path] = s;
  }
  return inputs;
}

/**
 * Writes each file under a temporary name and renames it into place, the record
 * last: another `npm test` may be loading the previous bundle meanwhile.
 */
export function writeAtomically(dir: string, files: readonly OutputFile[], inputs: BundleRecord['inputs']): void {
  mkdirSync(dir, { recursive: true });
  const put = (path: string, contents: Uint8Array | string) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(`${path}.${process.pid}`, contents);
    renameSync(`${path}.${process.pid}`, path);
  };
  for (const file of files) put(file.path, file.contents);
  const record: BundleRecord = { inputs, outputs: files.map((f) => f.path) };
  put(join(dir, RECORD), JSON.stringify(record));
}
