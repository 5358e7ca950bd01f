import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, open, readFile, readdir, readlink, rename, rm, symlink } from 'node:fs/promises';
import { basename, join } from 'node:path';

// Writes a set of files so that readers see either the old set or the new set,
// never a mix: the files go into a fresh generation directory, and one atomic
// rename of the `..data` symlink switches the whole set (the layout kubelet
// uses for Secret volumes). The visible names are symlinks `name -> ..data/name`.

export interface AtomicFile {
  name: string;
  data: string;
  /** e.g. 0o600 for private keys. */
  mode: number;
}

const DATA = '..data';
const GEN_PREFIX = '..gen-';

export async function writeFileSetAtomically(dir: string, files: readonly AtomicFile[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const gen = await mkdtemp(join(dir, GEN_PREFIX));
  try {
    await chmod(gen, 0o755);
    for (const f of files) await writeDurably(join(gen, f.name), f.data, f.mode);
    await fsyncDir(gen);
    await replaceSymlink(join(dir, DATA), basename(gen));
  } catch (err) {
    await rm(gen, { recursive: true, force: true });
    throw err;
  }
  // First run (or migration from plain files): point the visible names at ..data.
  for (const f of files) {
    const target = join(DATA, f.name);
    const current = await readlink(join(dir, f.name)).catch(() => undefined);
    if (current !== target) await replaceSymlink(join(dir, f.name), target);
  }
  await removeStaleLinks(dir, new Set(files.map((f) => f.name)));
  await fsyncDir(dir);
  await removeStaleGenerations(dir, basename(gen));
}

/** The generation `..data` points to, or undefined when the directory has none. */
export function currentGeneration(dir: string): Promise<string | undefined> {
  return readlink(join(dir, DATA)).catch(() => undefined);
}

/**
 * Reads the files of a managed directory as one set: the names the current
 * generation holds plus `extraNames`, each read through its visible path (so a
 * file a user replaced or deleted counts as such). Retries if `..data` moved
 * meanwhile. undefined when the directory has no generation.
 */
export async function readGeneration(
  dir: string,
  extraNames: readonly string[] = [],
  attempts = 5,
): Promise<{ generation: string; files: Record<string, string> } | undefined> {
  for (let i = 1; ; i++) {
    const generation = await currentGeneration(dir);
    if (generation === undefined) return undefined;
    const listed = await readdir(join(dir, generation)).catch(() => undefined);
    if (listed) {
      const names = [...new Set([...listed, ...extraNames])];
      const values = await Promise.all(names.map((n) => readFile(join(dir, n), 'utf8').catch(() => undefined)));
      if ((await currentGeneration(dir)) === generation) {
        const files: Record<string, string> = {};
        names.forEach((n, j) => {
          if (values[j] !== undefined) files[n] = values[j];
        });
        return { generation, files };
      }
    }
    if (i >= attempts) throw new Error(`${dir}: the file set kept changing while being read`);
  }
}

async function writeDurably(path: string, data: string, mode: number): Promise<void> {
  const fh = await open(path, 'wx', mode);
  try {
    await fh.writeFile(data);
    await fh.chmod(mode); // the umask may have narrowed or the file pre-existed
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function replaceSymlink(path: string, target: string): Promise<void> {
  const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  await symlink(target, tmp);
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

// Names of files a previous set had and this one has not (e.g. next-ca.crt
// after a promotion) would dangle: remove links into ..data that are not ours now.
async function removeStaleLinks(dir: string, keep: ReadonlySet<string>): Promise<void> {
  for (const entry of await readdir(dir)) {
    if (entry.startsWith('..') || keep.has(entry)) continue;
    const target = await readlink(join(dir, entry)).catch(() => undefined);
    if (target === join(DATA, entry)) await rm(join(dir, entry), { force: true });
  }
}

// Old generations and leftovers of an interrupted write (a crash between
// mkdtemp and the rename leaves a generation nothing points to).
async function removeStaleGenerations(dir: string, keep: string): Promise<void> {
  for (const entry of await readdir(dir)) {
    if (entry.startsWith(GEN_PREFIX) && entry !== keep) {
      await rm(join(dir, entry), { recursive: true, force: true });
    }
  }
}

/**
 * Reads several files of a directory as one set: if `..data` moved while we
 * read (a writer swapped generations), read again. Missing files are undefined.
 */
export async function readFileSetConsistently(
  dir: string,
  names: readonly string[],
  attempts = 5,
): Promise<Record<string, string | undefined>> {
  const link = () => readlink(join(dir, DATA)).catch(() => undefined);
  for (let i = 1; ; i++) {
    const before = await link();
    const values = await Promise.all(names.map((n) => readFile(join(dir, n), 'utf8').catch(() => undefined)));
    if ((await link()) === before || i >= attempts) {
      return Object.fromEntries(names.map((n, j) => [n, values[j]]));
    }
  }
}
