// One packed and installed kadmit per source tree, shared by the test files
// that need it (test/package, test/image): packing (a tsc emit) and a
// production `npm install` cost tens of seconds, and the result depends only
// on the files that go into the tarball and the lockfile.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { cachedBuild, statOrUndefined } from './build-cache.ts';
import { installKadmit, packKadmit, ROOT, type Packed } from './package.ts';

export interface SharedPackage extends Packed {
  /** A folder with the tarball installed, production dependencies only. Read it; copy it to change it. */
  app: string;
}

/** The packed and installed kadmit of the current checkout, built once for all test files. */
export function sharedPackage(): Promise<SharedPackage> {
  return cachedBuild(sourceHash(), async (dir) => {
    const packed = await packKadmit(dir);
    const app = join(dir, 'app');
    await installKadmit(packed.tarball, app);
    return { ...packed, app };
  });
}

/** A hash of everything the tarball and its install are made from. */
function sourceHash(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
  // dist/ is compiled from src/ in the staging copy, never taken from the checkout.
  const roots = [...pkg.files.filter((f) => f !== 'dist/'), 'src/', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts/build.ts', 'README.md', 'LICENSE'];
  const hash = createHash('sha256');
  const add = (path: string) => {
    const st = statOrUndefined(path);
    if (!st) return;
    if (st.isDirectory()) {
      for (const entry of readdirSync(path).sort()) add(join(path, entry));
    } else {
      hash.update(`${relative(ROOT, path)}\0${st.size}\0`).update(readFileSync(path)).update('\0');
    }
  };
  for (const root of roots) add(join(ROOT, root));
  return hash.digest('hex').slice(0, 16);
}
