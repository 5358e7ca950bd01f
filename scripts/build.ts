// `npm run build` (and so `npm pack` and the Dockerfile): dist/ as the package
// ships it. tsc compiles src/ to JavaScript with declarations
// (tsconfig.build.json); then the command line (dist/cli/main.js) and the review
// worker's code (dist/workers/worker-main.js) are bundled into dist/cli-bundle/,
// one file per lazily loaded part. bin/kadmit.js runs that bundle when kadmit is
// installed (and so in the image), and dist/workers/review-worker.js loads the
// worker's part of it.
//   node scripts/build.ts [--dist DIR] [--no-check]
// --no-check: tsc emits without its type check (`npm run typecheck` does that);
// the package tests and `npm run bench` build so.
//
// Why bundle: start-up is module loading. `kadmit serve --check --workers 0
// --webhook builtin:require-memory-limits` loads 523 files on its main thread
// from dist/ (zod alone 95, most of them locales) and 54 from the bundle (a
// module-load hook counting them); spawn to "kadmit serving", certificates reused,
// compile cache warm, medians of 9 alternated starts, dist/cli/main.js against
// the bundle: `--workers 0` 550 -> 408 ms, `--workers 2` 646 -> 510 ms.
//
// What stays outside the bundle, loaded from dist/ and node_modules as before:
// - kadmit's public library (what `kadmit` and `kadmit/zod` load): a policy
//   module imports it at run time, and the command line must share its modules
//   (KadmitError and ReviewAbortedError are matched with instanceof), not copy them;
// - the review workers' entry (dist/workers/review-worker.js): a worker is
//   started by file; that file turns the compile cache on and loads the
//   worker's code from the bundle (worker-main.js);
// - everything kadmit loads by a computed path (built-in policies, CRD and zod
//   runtimes, generated validators), resolved against the file it was compiled to;
// - the packages only some configurations load, and whose files are read by
//   path at run time: the Kubernetes client, the OpenTelemetry SDK and exporters.
//   node_modules still has them all: they stay dependencies.
import { build, type Plugin } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = join(import.meta.dirname, '..');
const { values } = parseArgs({ options: { dist: { type: 'string', default: join(ROOT, 'dist') }, 'no-check': { type: 'boolean', default: false } } });
const DIST = resolve(values.dist);
const BUNDLE_DIR = join(DIST, 'cli-bundle');

/** The modules a policy reaches through `kadmit` and `kadmit/zod` (their default export targets). */
const LIBRARY_ENTRIES = ['index.js', 'zod.js', 'schemas/types.js'];
/** Packages left to node_modules: loaded only in some configurations, with files read by path. */
const EXTERNAL_PACKAGES = ['@kubernetes/client-node', '@opentelemetry/sdk-trace', '@opentelemetry/resources', '@opentelemetry/exporter-trace-otlp-http', '@opentelemetry/exporter-trace-otlp-proto'];

const posix = (path: string) => path.split(sep).join('/');
/** A path relative to the bundle's folder, as an import specifier. */
const fromBundle = (file: string) => {
  const rel = posix(relative(BUNDLE_DIR, file));
  return rel.startsWith('.') ? rel : `./${rel}`;
};

/** Every file of kadmit's own that the library entries import, statically or by a literal dynamic import. */
async function libraryFiles(): Promise<Set<string>> {
  const result = await build({
    entryPoints: LIBRARY_ENTRIES.map((e) => join(DIST, e)),
    bundle: true,
    write: false,
    metafile: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    outdir: join(DIST, '.library-scan'),
    logLevel: 'silent',
  });
  return new Set(Object.keys(result.metafile.inputs).map((input) => resolve(input)));
}

/**
 * Keeps the library outside, and gives each bundled module its own
 * import.meta.url: kadmit reads files next to its modules (schemas.json, the
 * templates, package.json) and loads modules by computed paths, all relative to
 * the module's own URL, which in a bundle would otherwise be the chunk's.
 */
function keepLayout(library: Set<string>): Plugin {
  return {
    name: 'kadmit-layout',
    setup(b) {
      b.onResolve({ filter: /^(\.|kadmit(\/|$))/ }, async (args) => {
        // Only kadmit's own imports: a package's relative imports resolve as esbuild would.
        if (args.pluginData === 'inner' || (args.path.startsWith('.') && !args.importer.startsWith(DIST + sep))) return undefined;
        const found = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'inner' });
        return library.has(found.path) ? { path: fromBundle(found.path), external: true } : found;
      });
      b.onLoad({ filter: /\.js$/ }, (args) => {
        if (!args.path.startsWith(DIST + sep)) return undefined;
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        const own = `new URL(${JSON.stringify(fromBundle(args.path))}, import.meta.url).href`;
        return { contents: source.replaceAll('import.meta.url', own), loader: 'js' };
      });
    },
  };
}

const tsc = [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', DIST, ...(values['no-check'] ? ['--noCheck'] : [])];
const compiled = spawnSync(process.execPath, tsc, { cwd: ROOT, stdio: 'inherit' });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);

/**
 * esbuild escapes non-ASCII characters in string literals but leaves them in
 * comments and regular expressions (zod's locales, `µs` in duration patterns).
 * One such character sends Node's decoding of the whole file off its ASCII fast
 * path, and one outside Latin-1 makes V8 keep the file's source two bytes a
 * character (a 0.8 MB chunk held 1.6 MB in every thread that loads it). A \u
 * escape means the same in a comment and in a regular expression; after a
 * backslash it would not, so that is refused. Measured against the same build
 * without it: importing the serve chunk (compile cache warm) 148-155 against
 * 155-162 ms, 5 alternated pairs; `serve --workers 2` idle at 112.4-113.1 against
 * 115.2-117.8 MiB, 3 pairs; to "kadmit serving" 507 and 537 against 519 and 543 ms
 * (medians of 11 alternated starts, two runs).
 */
function asciiOnly(text: string, file: string): string {
  return text.replace(/\\?[^\x00-\x7f]/g, (found) => {
    if (found.startsWith('\\')) throw new Error(`${file}: an escaped non-ASCII character (${JSON.stringify(found)}) cannot be rewritten as a \\u escape`);
    return `\\u${found.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

const library = await libraryFiles();
rmSync(BUNDLE_DIR, { recursive: true, force: true });
const bundled = await build({
  // The review worker's code too: dist/workers/review-worker.js, the entry a worker is started with, loads it from here.
  entryPoints: { main: join(DIST, 'cli', 'main.js'), 'worker-main': join(DIST, 'workers', 'worker-main.js') },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  outdir: BUNDLE_DIR,
  // The bundle names each module it holds in a comment, relative to this folder: the package's.
  absWorkingDir: dirname(DIST),
  external: EXTERNAL_PACKAGES,
  // A dist/ compiled outside the checkout (the package tests stage one) finds the packages here.
  nodePaths: [join(ROOT, 'node_modules')],
  // CommonJS packages bundled into ES modules call require() for Node's own
  // modules and optional files: this gives them one, resolved from the bundle.
  banner: { js: "import { createRequire as kadmitCreateRequire } from 'node:module';\nconst require = kadmitCreateRequire(import.meta.url);" },
  plugins: [keepLayout(library)],
  logLevel: 'warning',
  write: false,
});
for (const file of bundled.outputFiles) {
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, asciiOnly(file.text, file.path));
}
