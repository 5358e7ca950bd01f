// The project files a module imports, followed from import to import: what
// `serve --watch` watches besides the webhook modules themselves, so a change to
// a policy's helper reloads it too. Only relative specifiers with a literal
// string (`from './x.ts'`, `import('../y.ts')`) are followed, and only to files
// under the project root: packages in node_modules are not the author's to edit.
import { readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';

const RELATIVE_SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.\.?\/[^'"\n]{1,500})\1/g;
/** A larger file is not read for imports (it is still watched when imported). */
const MAX_SCANNED_BYTES = 1024 * 1024;

export interface LocalImportOptions {
  /** Files outside it are neither followed nor returned. */
  root: string;
  /** At most this many files in all: a project with more is watched in part. */
  maxFiles: number;
}

/** The entries and every file under `root` they import, directly or not; entries first. */
export function localImports(entries: readonly string[], options: LocalImportOptions): string[] {
  const found = new Set<string>();
  const queue = entries.map((e) => resolve(e));
  while (queue.length > 0 && found.size < options.maxFiles) {
    const file = queue.shift()!;
    if (found.has(file)) continue;
    const size = statSync(file, { throwIfNoEntry: false });
    if (!size?.isFile()) continue;
    found.add(file);
    if (size.size > MAX_SCANNED_BYTES) continue;
    for (const match of readFileSync(file, 'utf8').matchAll(RELATIVE_SPECIFIER)) {
      const target = resolve(dirname(file), match[2]!.split(/[?#]/)[0]!);
      if (isUnder(target, options.root) && !target.split(sep).includes('node_modules')) queue.push(target);
    }
  }
  return [...found];
}

function isUnder(file: string, root: string): boolean {
  const rel = relative(root, file);
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep);
}
