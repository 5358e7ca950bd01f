// Builds that several test files, and later runs, can share: each lives in the
// system temp folder under a key that hashes everything it is made from. The
// first file to ask builds it under a lock, the others wait for it. Callers copy
// a build before changing anything in it.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CACHE = join(tmpdir(), 'kadmit-test-package');
/** A lock folder without a pid this long after its creation was left by a builder killed right after mkdir. */
const STALE_LOCK_MS = 60_000;
/** Entries unused for this long belong to source trees no run needs any more. */
const OLD_ENTRY_MS = 24 * 3_600_000;

/**
 * The result of `build(dir)` for `key`: built in a fresh `dir` by the first
 * caller, read back by the others (it must be JSON).
 */
export async function cachedBuild<T>(key: string, build: (dir: string) => Promise<T>): Promise<T> {
  const dir = join(CACHE, key);
  const done = join(dir, 'built.json');
  const lock = `${dir}.lock`;
  mkdirSync(CACHE, { recursive: true });
  for (;;) {
    if (existsSync(done)) {
      utimesSync(dir, new Date(), new Date());
      return JSON.parse(readFileSync(done, 'utf8')) as T;
    }
    if (takeLock(lock)) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  try {
    removeOldEntries();
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    const built = await build(dir);
    writeFileSync(done, JSON.stringify(built));
    return built;
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

export function statOrUndefined(path: string) {
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
