// The layers of src/ (docs/architecture.md): each folder, and each file directly
// in src/, may import only the units its row allows. A failure names every
// file import that breaks the table. Edges are those of import-graph.ts
// (static imports and re-exports, type-only ones included).
import t from 'tap';
import { folderOf, importGraph, tsFilesUnder } from './import-graph.ts';
import type { Graph } from './import-graph.ts';

// Leaf modules directly in src/: small helpers every layer may use. They import
// nothing of kadmit but each other.
const LEAVES = [
  'src/errors.ts',
  'src/error-codes.ts',
  'src/json.ts',
  'src/json-path.ts',
  'src/labels.ts',
  'src/own-modules.ts',
  'src/slot-table.ts',
  'src/string-formats.ts',
  'src/truncate.ts',
  'src/version.ts',
];

// Unit -> the units it may import besides the leaves, lowest layers first.
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  ...Object.fromEntries(LEAVES.map((leaf) => [leaf, []])),
  'src/cel/': [],
  'src/schemas/': ['src/cel/'],
  // The admission model: request, response, verdicts, webhook definition, outcome.
  'src/model/': ['src/schemas/'],
  'src/kube/': ['src/model/'],
  'src/observability/': ['src/model/', 'src/kube/'],
  'src/certs/': ['src/kube/'],
  'src/webhooks/': ['src/model/', 'src/schemas/'],
  'src/admission/': ['src/model/', 'src/schemas/', 'src/webhooks/', 'src/observability/', 'src/kube/'],
  'src/config/': ['src/webhooks/', 'src/admission/'],
  'src/workers/': ['src/model/', 'src/admission/', 'src/webhooks/', 'src/observability/', 'src/config/', 'src/kube/'],
  'src/transport/': ['src/model/', 'src/admission/', 'src/observability/', 'src/certs/'],
  // The public API (package `kadmit`), and the built-in policies written against it like any policy project.
  'src/index.ts': ['src/model/', 'src/webhooks/', 'src/admission/', 'src/kube/'],
  'src/policies/': ['src/index.ts'],
  // `kadmit/zod`: zod for a policy's settings schema, apart so that `kadmit` does not load it.
  'src/zod.ts': [],
  'src/manifests/': ['src/model/', 'src/webhooks/', 'src/admission/', 'src/config/', 'src/policies/'],
  'src/replay/': ['src/model/', 'src/admission/', 'src/webhooks/', 'src/schemas/', 'src/cel/', 'src/config/', 'src/observability/', 'src/workers/', 'src/transport/', 'src/manifests/'],
  'src/testing/': ['src/model/', 'src/admission/', 'src/replay/'],
  'src/cli/': ['src/model/', 'src/admission/', 'src/webhooks/', 'src/schemas/', 'src/config/', 'src/observability/', 'src/workers/', 'src/transport/', 'src/certs/', 'src/kube/', 'src/manifests/', 'src/replay/'],
};

/** Each file import that leaves the importer's unit for one its row does not allow. */
function violations(graph: Graph, root: string, allowed: Readonly<Record<string, readonly string[]>>, leaves: readonly string[]): string[] {
  const found: string[] = [];
  for (const [file, targets] of graph) {
    const from = folderOf(file, root);
    const row = allowed[from];
    for (const target of targets) {
      const to = folderOf(target, root);
      if (to === from) continue;
      if (row === undefined) found.push(`${file} -> ${target} (${from} is in no row of the layer table)`);
      else if (!row.includes(to) && !leaves.includes(to)) found.push(`${file} -> ${target} (${from} may not import ${to})`);
    }
  }
  return found.sort();
}

t.test('every import of src/ follows the layer table', async (t) => {
  const graph = importGraph('src');
  t.ok(graph.size > 100, `the graph covers src/ (${graph.size} files)`);
  t.same(violations(graph, 'src', ALLOWED, LEAVES), [], 'imports that break the layering (file -> file (why))');
});

t.test('every folder and file directly in src/ has a row', async (t) => {
  const units = new Set(tsFilesUnder('src').map((file) => folderOf(file, 'src')));
  t.same([...units].filter((unit) => ALLOWED[unit] === undefined).sort(), [], 'units missing from the table: place each in a layer');
  t.same(Object.keys(ALLOWED).filter((unit) => !units.has(unit)).sort(), [], 'rows for units that no longer exist');
});

// The check itself, on a graph small enough to see the answer.
t.test('the check names each import that breaks the table', async (t) => {
  const graph: Graph = new Map([
    ['src/low/a.ts', new Set(['src/leaf.ts', 'src/low/b.ts'])],
    ['src/low/b.ts', new Set(['src/high/c.ts'])],
    ['src/high/c.ts', new Set(['src/low/a.ts', 'src/leaf.ts'])],
    ['src/leaf.ts', new Set(['src/other-leaf.ts'])],
    ['src/other-leaf.ts', new Set(['src/low/a.ts'])],
    ['src/stray/d.ts', new Set(['src/leaf.ts'])],
  ]);
  const table = { 'src/low/': [], 'src/high/': ['src/low/'], 'src/leaf.ts': [], 'src/other-leaf.ts': [] };
  t.same(violations(graph, 'src', table, ['src/leaf.ts', 'src/other-leaf.ts']), [
    'src/low/b.ts -> src/high/c.ts (src/low/ may not import src/high/)',
    'src/other-leaf.ts -> src/low/a.ts (src/other-leaf.ts may not import src/low/)',
    'src/stray/d.ts -> src/leaf.ts (src/stray/ is in no row of the layer table)',
  ]);
});
