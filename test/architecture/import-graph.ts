// The static import graph of src/, read with the TypeScript parser (so an
// import inside a string or a comment is not one), and the cycles in it, for
// the architecture tests (not a test file itself). An edge is a top-level
// `import ... from` / `export ... from` (type-only ones included: they couple
// the modules' meaning as much as a value import does) of a relative `.ts`
// path, or of kadmit's own package names. Dynamic `import()` is not an edge:
// it is how a module defers loading another on purpose.
import { readFileSync, readdirSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** kadmit's package names (package.json `exports`), as src/ sees them. */
export const SELF_REFERENCES: Readonly<Record<string, string>> = {
  kadmit: 'src/index.ts',
  'kadmit/testing': 'src/testing/index.ts',
  'kadmit/schemas': 'src/schemas/types.ts',
  'kadmit/zod': 'src/zod.ts',
};

/** Repository-relative posix paths: file -> the files it imports. */
export type Graph = Map<string, Set<string>>;

/** Every .ts file under `dir` (repository-relative), sorted. */
export function tsFilesUnder(dir: string): string[] {
  const entries = readdirSync(join(REPO_ROOT, dir), { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(REPO_ROOT, join(e.parentPath, e.name)).split('\\').join('/'))
    .sort();
}

/** The import specifiers of one module's top-level import and export declarations. */
export function importSpecifiers(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: string[] = [];
  for (const statement of source.statements) {
    if ((ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)) {
      found.push(statement.moduleSpecifier.text);
    }
  }
  return found;
}

/**
 * The file an import names, repository-relative; undefined for a package
 * other than kadmit's own and for anything that is not a .ts module.
 */
export function resolveImport(from: string, specifier: string): string | undefined {
  const own = SELF_REFERENCES[specifier];
  if (own !== undefined) return own;
  if (!specifier.startsWith('.') || !specifier.endsWith('.ts')) return undefined;
  return posix.normalize(posix.join(posix.dirname(from), specifier));
}

/** The graph of every file under `dir`; an import of a file that does not exist throws, naming both. */
export function importGraph(dir: string): Graph {
  const files = tsFilesUnder(dir);
  const known = new Set(files);
  const graph: Graph = new Map();
  for (const file of files) {
    const targets = new Set<string>();
    for (const specifier of importSpecifiers(file, readFileSync(join(REPO_ROOT, file), 'utf8'))) {
      const target = resolveImport(file, specifier);
      if (target === undefined || !target.startsWith(`${dir}/`)) continue;
      if (!known.has(target)) throw new Error(`${file} imports '${specifier}', which is no file (${target})`);
      targets.add(target);
    }
    graph.set(file, targets);
  }
  return graph;
}

/**
 * The folder a file belongs to for the folder-level check: the top-level
 * folder under `root` (`src/certs/`), or the file itself when it sits
 * directly in `root` (src/errors.ts is a unit of its own).
 */
export function folderOf(file: string, root: string): string {
  const rest = file.slice(root.length + 1);
  const slash = rest.indexOf('/');
  return slash < 0 ? file : `${root}/${rest.slice(0, slash)}/`;
}

/** The same graph between folders; each folder edge keeps one file-level import that makes it. */
export function folderGraph(graph: Graph, root: string): { graph: Graph; witness: Map<string, string> } {
  const folders: Graph = new Map();
  const witness = new Map<string, string>();
  for (const [file, targets] of graph) {
    const from = folderOf(file, root);
    if (!folders.has(from)) folders.set(from, new Set());
    for (const target of targets) {
      const to = folderOf(target, root);
      if (to === from) continue;
      folders.get(from)!.add(to);
      const key = edgeKey(from, to);
      if (!witness.has(key)) witness.set(key, edgeKey(file, target));
    }
  }
  for (const targets of folders.values()) for (const to of targets) if (!folders.has(to)) folders.set(to, new Set());
  return { graph: folders, witness };
}

export function edgeKey(from: string, to: string): string {
  return `${from} -> ${to}`;
}

/** Strongly connected components (Tarjan): node -> the id of its component. */
export function components(graph: Graph): Map<string, number> {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const component = new Map<string, number>();
  let counter = 0;
  let ids = 0;
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.set(member, ids);
    } while (member !== node);
    ids++;
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return component;
}

/** Every edge that lies on some cycle (both ends in one component), as `a -> b`, sorted. */
export function cycleEdges(graph: Graph): string[] {
  const component = components(graph);
  const edges: string[] = [];
  for (const [from, targets] of graph) {
    for (const to of targets) if (from === to || component.get(from) === component.get(to)) edges.push(edgeKey(from, to));
  }
  return edges.sort();
}

/** A shortest cycle through the edge from -> to: [from, to, ..., from]. */
export function cycleThrough(graph: Graph, from: string, to: string): string[] {
  const previous = new Map<string, string>([[to, to]]);
  const queue = [to];
  while (queue.length > 0) {
    const node = queue.shift()!;
    if (node === from) break;
    for (const next of graph.get(node) ?? []) {
      if (previous.has(next)) continue;
      previous.set(next, node);
      queue.push(next);
    }
  }
  if (!previous.has(from)) throw new Error(`${edgeKey(from, to)} is on no cycle`);
  const path = [from];
  for (let node = from; node !== to; node = previous.get(node)!) path.unshift(previous.get(node)!);
  return [from, ...path];
}
