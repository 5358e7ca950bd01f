// No import cycle in src/: neither between two files nor between folders (a
// top-level folder such as src/certs/ is one unit; a file directly in src/,
// such as src/errors.ts, is a unit of its own). Edges are the static imports
// and re-exports, type-only ones included, of relative .ts paths and of
// kadmit's own package names (import-graph.ts). A failure prints each new
// cycle, one import per arrow.
import t from 'tap';
import { cycleEdges, cycleThrough, edgeKey, folderGraph, importGraph, importSpecifiers, resolveImport } from './import-graph.ts';
import type { Graph } from './import-graph.ts';

// The cycles src/ has today, each listed as the imports that lie on one (none
// since issue 13's model layer). An import that closes any other cycle
// fails the test, and so does an entry below that no longer lies on a cycle
// (delete it: the list only shrinks).
const KNOWN_FILE_CYCLES: string[] = [];
const KNOWN_FOLDER_CYCLES: string[] = [];

/** The cycles through edges on a cycle that the known list does not hold, printed with `describe`. */
function unknownCycles(graph: Graph, known: readonly string[], describe: (edge: string) => string = (e) => e): string[] {
  const allowed = new Set(known);
  return cycleEdges(graph)
    .filter((edge) => !allowed.has(edge))
    .map((edge) => {
      const [from, to] = edge.split(' -> ') as [string, string];
      const cycle = cycleThrough(graph, from, to);
      return cycle.slice(1).map((node, i) => describe(edgeKey(cycle[i]!, node))).join(', ');
    });
}

function staleEntries(graph: Graph, known: readonly string[]): string[] {
  const onCycles = new Set(cycleEdges(graph));
  return known.filter((edge) => !onCycles.has(edge));
}

const files = importGraph('src');
const folders = folderGraph(files, 'src');

t.test('no import cycle between two files of src/ beyond the known ones', async (t) => {
  t.ok(files.size > 100, `the graph covers src/ (${files.size} files)`);
  t.same(unknownCycles(files, KNOWN_FILE_CYCLES), [], 'new cycles (each: the imports that close it)');
  t.same(staleEntries(files, KNOWN_FILE_CYCLES), [], 'known file cycles that are gone: delete them from KNOWN_FILE_CYCLES');
});

t.test('no import cycle between folders of src/ beyond the known ones', async (t) => {
  const viaFile = (edge: string) => `${edge} (${folders.witness.get(edge)})`;
  t.same(unknownCycles(folders.graph, KNOWN_FOLDER_CYCLES, viaFile), [], 'new folder cycles (each folder import with one file import that makes it)');
  t.same(staleEntries(folders.graph, KNOWN_FOLDER_CYCLES), [], 'known folder cycles that are gone: delete them from KNOWN_FOLDER_CYCLES');
});

// The detector itself, on graphs small enough to see the answer.
t.test('the cycle detector finds cycles, and only cycles', async (t) => {
  const graph: Graph = new Map([
    ['a', new Set(['b'])],
    ['b', new Set(['c', 'd'])],
    ['c', new Set(['a'])],
    ['d', new Set(['e'])],
    ['e', new Set<string>()],
    ['f', new Set(['f'])],
  ]);
  t.same(cycleEdges(graph), ['a -> b', 'b -> c', 'c -> a', 'f -> f']);
  t.same(cycleThrough(graph, 'c', 'a'), ['c', 'a', 'b', 'c']);
  t.same(unknownCycles(graph, ['a -> b', 'f -> f']), ['b -> c, c -> a, a -> b', 'c -> a, a -> b, b -> c']);
  t.same(staleEntries(graph, ['a -> b', 'd -> e']), ['d -> e']);
  t.throws(() => cycleThrough(graph, 'd', 'e'), /on no cycle/);

  const split: Graph = new Map([
    ['src/x/one.ts', new Set(['src/y/two.ts'])],
    ['src/y/two.ts', new Set(['src/x/three.ts'])],
    ['src/x/three.ts', new Set<string>()],
    ['src/root.ts', new Set(['src/x/one.ts'])],
  ]);
  t.same(cycleEdges(split), [], 'no cycle between the files');
  const byFolder = folderGraph(split, 'src');
  t.same(cycleEdges(byFolder.graph), ['src/x/ -> src/y/', 'src/y/ -> src/x/'], 'but one between their folders');
  t.equal(byFolder.witness.get('src/y/ -> src/x/'), 'src/y/two.ts -> src/x/three.ts');
  t.same([...byFolder.graph.get('src/root.ts')!], ['src/x/'], 'a file directly in src/ is a unit of its own');
});

t.test('what counts as an import', async (t) => {
  const text = [
    "import { a } from './a.ts';",
    "import type { B } from '../b/b.ts';",
    "export { c } from './c.ts';",
    "export * from 'kadmit/testing';",
    "import 'node:fs';",
    "const lazy = () => import('./lazy.ts');",
    "// import { no } from './comment.ts';",
    "const s = \"import { no } from './string.ts'\";",
  ].join('\n');
  t.same(importSpecifiers('src/x/m.ts', text), ['./a.ts', '../b/b.ts', './c.ts', 'kadmit/testing', 'node:fs'], 'static imports and re-exports only');
  t.equal(resolveImport('src/x/m.ts', '../b/b.ts'), 'src/b/b.ts');
  t.equal(resolveImport('src/x/m.ts', 'kadmit'), 'src/index.ts');
  t.equal(resolveImport('src/x/m.ts', 'kadmit/schemas'), 'src/schemas/types.ts');
  t.equal(resolveImport('src/x/m.ts', 'node:fs'), undefined, 'other packages are not in the graph');
  t.equal(resolveImport('src/x/m.ts', './data.json'), undefined, 'nor anything but .ts modules');
});
