// kadmit's heavier dependencies as a few bundled files for the suite's processes.
// A test file that reaches the server loads ~400 modules from node_modules (zod,
// fastify and avvio, pino, prom-client and @opentelemetry/api, node-forge, yaml,
// the CEL packages), and so does each review worker it starts and each kadmit
// process it spawns; Node's loader resolves, reads and links each one. Bundled
// (one entry file per specifier below, their shared code in common chunks, so
// each package is loaded once per thread whichever specifier reaches it) that is
// a handful of files. `npm test` (scripts/test.ts) builds the bundle when these
// packages' files changed, and test/setup/bundle-hook.js resolves each
// specifier to its entry, in every process and worker of the suite.
//
// Only this checkout's copies are redirected: the hook first resolves a
// specifier as Node would and uses the bundle only when that lands in the
// project's node_modules, so a packed kadmit installed elsewhere (the package
// and image tests) loads its own. The production build bundles the same
// packages (scripts/build.ts), so they are known to work bundled.
import { build, type OutputFile, type Plugin } from 'esbuild';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleIsCurrent, inputStamps, REQUIRE_BANNER, writeAtomically } from './bundle-record.ts';

/** Each bare specifier kadmit's sources and tests import from these packages; any other subpath of them is refused by the hook. */
export const BUNDLED_SPECIFIERS = [
  'zod',
  'yaml',
  'pino',
  'fastify',
  'prom-client',
  'node-forge',
  '@opentelemetry/api',
  '@marcbachmann/cel-js',
  '@marcbachmann/cel-js/evaluator',
  're2js',
] as const;

const ENTRY = 'kadmit-dependency:';

/**
 * The module a bundle entry stands for, re-exported under the names Node's own
 * import of it gives: an ES module's names as they are; a CommonJS module's
 * `module.exports` as the default export and the named exports Node finds in it.
 */
function entrySource(specifier: string, names: readonly string[]): string {
  const named = names.filter((n) => n !== 'default' && n !== 'module.exports');
  const quoted = JSON.stringify(specifier);
  if (!names.includes('module.exports')) {
    return `export * from ${quoted};\n${names.includes('default') ? `export { default } from ${quoted};\n` : ''}`;
  }
  // Named exports of CommonJS are taken once the module has run, as Node does.
  const bindings = named.map((n, i) => `const n${i} = m[${JSON.stringify(n)}];`).join('\n');
  const exported = named.map((n, i) => `n${i} as ${JSON.stringify(n)}`).join(', ');
  return `import m from ${quoted};\nexport default m;\n${bindings}\nexport { ${exported} };\n`;
}

function entries(names: ReadonlyMap<string, readonly string[]>, root: string): Plugin {
  return {
    name: 'kadmit-dependency-entries',
    setup(b) {
      b.onResolve({ filter: new RegExp(`^${ENTRY}`) }, (args) => ({ path: args.path.slice(ENTRY.length), namespace: 'kadmit-dependency' }));
      b.onLoad({ filter: /.*/, namespace: 'kadmit-dependency' }, (args) => ({
        contents: entrySource(args.path, names.get(args.path)!),
        loader: 'js',
        resolveDir: root,
      }));
    },
  };
}

/** Which file each specifier's entry is written to, relative to the bundle's folder. */
const outName = (specifier: string) => specifier.replaceAll('/', '__');

/**
 * The bundle of BUNDLED_SPECIFIERS as installed under `root`, built if missing
 * or stale: each specifier with the file URL of its entry.
 */
export async function dependencyBundle(root: string): Promise<Record<string, string>> {
  const dir = join(root, 'node_modules', '.cache', 'kadmit-tests', 'dependencies');
  const urls = Object.fromEntries(BUNDLED_SPECIFIERS.map((s) => [s, pathToFileURL(join(dir, `${outName(s)}.mjs`)).href]));
  if (bundleIsCurrent(dir)) return urls;
  // The names Node's import gives each module: the bundle's entries must give the same.
  const names = new Map<string, readonly string[]>();
  for (const specifier of BUNDLED_SPECIFIERS) names.set(specifier, Object.keys(await import(specifier)));
  const result = await build({
    entryPoints: BUNDLED_SPECIFIERS.map((s) => ({ in: `${ENTRY}${s}`, out: outName(s) })),
    absWorkingDir: root,
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunk-[hash]',
    write: false,
    metafile: true,
    logLevel: 'error',
    plugins: [entries(names, root)],
    banner: { js: REQUIRE_BANNER },
  });
  // The shared chunks before the entries that import them.
  const isChunk = (file: OutputFile) => basename(file.path).startsWith('chunk-');
  const chunksFirst = [...result.outputFiles].sort((a, b) => Number(!isChunk(a)) - Number(!isChunk(b)));
  writeAtomically(dir, chunksFirst, inputStamps(root, result.metafile, fileURLToPath(import.meta.url)));
  return urls;
}
