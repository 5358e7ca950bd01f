// `npm install` in a freshly scaffolded project, its kadmit from the tarball.
//
// A cold install costs ~20 s of CPU, nearly all of it in packages kadmit does
// not make: the scaffold's devDependencies (TypeScript, @types/node, and the
// `node` package, whose install script downloads and unpacks a whole Node) and
// kadmit's own dependencies. Both were installed for real already: the
// devDependencies by `npm install` in a copy of the scaffold's package.json
// without kadmit (cached under a hash of that file, so a changed range or
// script setting installs again), kadmit's dependencies by the shared package
// (test/helpers/shared-package.ts, per source tree). node_modules starts from
// those two installs, without kadmit itself and without npm's record of the
// tree, and the project's own `npm install` then does the rest for real: it
// reads the tree, checks every package against the ranges, and installs kadmit
// from the tarball. What only a cold cache re-proves, that the registry still
// serves the scaffold's ranges, is independent of the code under test.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cachedBuild } from '../helpers/build-cache.ts';
import { must, npm, run, type Run } from '../helpers/package.ts';
import type { SharedPackage } from '../helpers/shared-package.ts';

const INSTALL = ['install', '--prefer-offline', '--no-audit', '--no-fund'];

/** Runs `npm install` in `project` (kadmit already pointed at the tarball), node_modules seeded as above. */
export async function installProject(project: string, packed: SharedPackage): Promise<Run> {
  const nodeModules = join(project, 'node_modules');
  mkdirSync(nodeModules);
  // cp -a, not cpSync: it keeps the hard link between the `node` package's binary and its platform package's.
  must('cp', await run('cp', ['-a', `${await devDependencies(project)}/.`, `${packed.app}/node_modules/.`, nodeModules], project));
  for (const path of ['kadmit', '.bin/kadmit', '.package-lock.json']) rmSync(join(nodeModules, path), { recursive: true, force: true });
  return npm(INSTALL, project);
}

/** node_modules of a real `npm install` of the project's package.json without its dependencies, built once per package.json. */
async function devDependencies(project: string): Promise<string> {
  const { dependencies, ...rest } = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as Record<string, unknown>;
  const manifest = JSON.stringify(rest, null, 2);
  const key = `project-dev-${createHash('sha256').update(manifest).digest('hex').slice(0, 16)}`;
  const { nodeModules } = await cachedBuild(key, async (dir) => {
    writeFileSync(join(dir, 'package.json'), manifest);
    must('npm install (the devDependencies)', await npm(INSTALL, dir));
    return { nodeModules: join(dir, 'node_modules') };
  });
  return nodeModules;
}
