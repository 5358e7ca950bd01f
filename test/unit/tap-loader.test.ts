// The suite's speed depends on what tap loads into each test process.
// - Node's own type stripping, not the TypeScript plugin's ts-node loader
//   (measured: ~2.7 s of CPU per test file, ~4x the file's own cost).
// - No module loader hooks: @tapjs/mock's hook sees every import (measured: two
//   server test files took 16.9-18.3 s of user CPU with tap's default plugins,
//   10.3-10.6 s with the suite's list).
// - With coverage off, no process tracking and no source maps
//   (test/setup/tap-process-tracking.js and .taprc say why).
// tap starts test files with the loaders of the plugin set it was built with,
// and a run that rebuilds tap still starts its files with the old set; so
// `npm ci` rebuilds it (the prepare script), and CI's only run is a slim one.
import t from 'tap';

t.equal(process.env['TAP_TYPE_STRIP_ONLY'], '1', '.taprc passes TAP_TYPE_STRIP_ONLY=1 to every test process (no ts-node, even in a tap built with its TypeScript plugin)');
const loaders = process.execArgv.filter((arg) => arg.startsWith('--import') || arg.startsWith('--loader'));
t.notMatch(loaders.join(' '), /@tapjs\/(mock|typescript)\b/, `no mock or TypeScript loader in the test process (${loaders.join(' ')})`);

const tracked = (globalThis as Record<symbol, unknown>)[Symbol.for('@tapjs/processinfo.ProcessInfoNodeData')];
if (process.env['_TAPJS_PROCESSINFO_COVERAGE_'] === '0') {
  t.equal(tracked, undefined, 'coverage is off: tap\'s process tracking (@tapjs/processinfo) is not loaded');
  t.equal(process.sourceMapsEnabled, false, 'coverage is off: source maps are off (nothing in the suite has any)');
} else {
  t.not(tracked, undefined, 'coverage is on: tap\'s process tracking is loaded, as coverage needs it');
}

// `npm test` hands each test file tap as one bundled module (test/setup/tap-bundle.ts);
// `npx tap` by hand loads it as installed.
if (process.env['KADMIT_TAP_BUNDLE']) {
  t.equal(import.meta.resolve('tap'), process.env['KADMIT_TAP_BUNDLE'], '`tap` resolves to the bundle npm test built');
  t.match(process.env['KADMIT_TAP_BUNDLE'], /\/node_modules\/@tapjs\/bundle\/tap\.mjs$/, 'under a node_modules/@tapjs/ path, which tap leaves out of the stacks it reports');
} else {
  t.match(import.meta.resolve('tap'), /\/node_modules\/tap\/dist\/esm\/index\.js$/, 'run by hand: tap as installed');
}
