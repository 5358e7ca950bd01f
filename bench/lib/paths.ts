// Where the bench finds the repository and the shared reference peers
// (../shared next to the checkout, as on developer machines and in CI).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchError } from './errors.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface SharedBench {
  dir: string;
  postLua: string;
  nodelimit: string;
  gopeerDir: string;
}

export function sharedBench(): SharedBench {
  const dir = resolve(REPO_ROOT, '..', 'shared', 'bench');
  const found: SharedBench = {
    dir,
    postLua: resolve(dir, 'post.lua'),
    nodelimit: resolve(dir, 'nodelimit', 'server.mjs'),
    gopeerDir: resolve(dir, 'gopeer'),
  };
  const missing = [found.postLua, found.nodelimit].filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new BenchError(`the shared reference peers are missing: ${missing.join(', ')}\n` +
      `  the bench expects ../shared/bench beside the repository (${dir}); copy or link shared/ there and run again`);
  }
  return found;
}
