import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { currentGeneration, readGeneration, writeFileSetAtomically } from './atomic-dir.ts';
import type { StateDocumentStore, VersionedDocument } from './ports.ts';
import { stateConflict, stateMissing } from './store-errors.ts';

// A directory as a versioned document: one file per key, the whole set
// replaced atomically, the version being the generation `..data` points to.
// Conditional writes are checked under an in-process lock: the file store
// serves one process (several processes on one directory are not supported).

// Files a user may have placed by hand before kadmit managed the directory.
const PLAIN_NAMES = ['ca.crt', 'ca.key', 'tls.crt', 'tls.key', 'next-ca.crt', 'next-ca.key', 'rotation.json'];
const PLAIN_VERSION = 'plain';
const SAFE_NAME = /^(?!\.\.)[A-Za-z0-9][A-Za-z0-9._-]*$/;

export class FileDocumentStore implements StateDocumentStore {
  readonly dir: string;
  #lock: Promise<unknown> = Promise.resolve();

  constructor(dir: string) {
    this.dir = dir;
  }

  async read(): Promise<VersionedDocument | undefined> {
    const gen = await readGeneration(this.dir, PLAIN_NAMES);
    if (gen) return { data: gen.files, version: gen.generation };
    const entries = await Promise.all(
      PLAIN_NAMES.map(async (n) => [n, await readFile(join(this.dir, n), 'utf8').catch(() => undefined)] as const),
    );
    const data = Object.fromEntries(entries.filter((e): e is readonly [string, string] => e[1] !== undefined));
    return Object.keys(data).length > 0 ? { data, version: PLAIN_VERSION } : undefined;
  }

  create(data: Record<string, string>): Promise<VersionedDocument> {
    return this.#locked(async () => {
      if (await this.read()) throw stateConflict(`${this.dir} already holds certificates`);
      return this.#write(data);
    });
  }

  replace(data: Record<string, string>, version: string): Promise<VersionedDocument> {
    return this.#locked(async () => {
      const current = (await currentGeneration(this.dir)) ?? ((await this.read()) ? PLAIN_VERSION : undefined);
      if (current === undefined) throw stateMissing(`${this.dir} holds no certificates`);
      if (current !== version) throw stateConflict(`${this.dir} changed (at ${current}, expected ${version})`);
      return this.#write(data);
    });
  }

  async #write(data: Record<string, string>): Promise<VersionedDocument> {
    for (const name of Object.keys(data)) {
      if (!SAFE_NAME.test(name)) throw new Error(`${JSON.stringify(name)} cannot be a file name in ${this.dir}`);
    }
    const files = Object.entries(data).map(([name, content]) => ({
      name,
      data: content,
      mode: name.endsWith('.key') ? 0o600 : 0o644,
    }));
    await writeFileSetAtomically(this.dir, files);
    const version = await currentGeneration(this.dir);
    if (!version) throw new Error(`${this.dir}: no generation after writing`);
    return { data: { ...data }, version };
  }

  #locked<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#lock.then(fn);
    this.#lock = result.catch(() => {});
    return result;
  }
}
