// One packed and installed kadmit per source tree, shared by the test files
// that need it (test/package, test/image): packing (a tsc emit) and a
// production `npm install` cost tens of seconds, and the result depends only
// on the files that go into the tarball and the lockfile. The copy lives in
// the system temp folder under a hash of those files; the first file to ask
// builds it under a lock, the others wait for it. Callers copy the install
// before changing anything in it.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { installKadmit, packKadmit, ROOT, type Packed } from './package.ts';

export interface SharedPackage extends Packed {
  /** A folder with the tarball installed, production dependencies only. Read it; copy it to change it. */
  app: string;
}

const CACHE = join(tmpdir(), 'kadmit-test-package');
/** A lock folder without a pid this long after its creation was left by a builder killed right after mkdir. */
const STALE_LOCK_MS = 60_000;
/** Entries unused for this long belong to source trees no run needs any more. */
const OLD_ENTRY_MS = 24 * 3_600_000;

/** The packed and installed kadmit of the current checkout, built once for all test files. */
export async function sharedPackage(): Promise<SharedPackage> {
  const dir = join(CACHE, sourceHash());
  const done = join(dir, 'packed.json');
  const lock = `${dir}.lock`;
  mkdirSync(CACHE, { recursive: true });
  for (;;) {
    if (existsSync(done)) {
      utimesSync(dir, new Date(), new Date());
      return JSON.parse(readFileSync(done, 'utf8')) as SharedPackage;
    }
    if (takeLock(lock)) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  try {
    removeOldEntries();
    rmSync(dir, { recursive: true, force: true });
    const packed = await packKadmit(dir);
    const app = join(dir, 'app');
    await installKadmit(packed.tarball, app);
    const shared: SharedPackage = { ...packed, app };
    writeFileSync(done, JSON.stringify(shared));
    return shared;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * mkdir is atomic: whoever creates the lock folder builds, and writes its pid
 * there. A lock whose builder is gone (a test file killed at its timeout) is
 * taken over.
 */
function takeLock(lock: string): boolean {
  try {
    mkdirSync(lock);
    writeFileSync(join(lock, 'pid'), String(process.pid));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if (lockOwnerGone(lock)) rmSync(lock, { recursive: true, force: true });
  return false;
}

function lockOwnerGone(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
  } catch {
    // Between the owner's mkdir and its write of the pid, or left by a builder killed in between.
    return Date.now() - (statOrUndefined(lock)?.mtimeMs ?? Date.now()) > STALE_LOCK_MS;
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function statOrUndefined(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function removeOldEntries(): void {
  for (const entry of readdirSync(CACHE)) {
    const path = join(CACHE, entry);
    const st = statOrUndefined(path);
    if (st && Date.now() - st.mtimeMs > OLD_ENTRY_MS) rmSync(path, { recursive: true, force: true });
  }
}

/** A hash of everything the tarball and its install are made from. */
function sourceHash(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
  // dist/ is compiled from src/ in the staging copy, never taken from the checkout.
  const roots = [...pkg.files.filter((f) => f !== 'dist/'), 'src/', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md', 'LICENSE'];
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
