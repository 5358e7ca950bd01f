// Preloaded (NODE_OPTIONS, set by scripts/test.ts) into every process of the test
// suite: tap's runner, each test file, and every process a test starts. It runs
// before tap's own preload, @tapjs/processinfo, which tap puts in each test
// process's arguments and NODE_OPTIONS.
//
// processinfo records each process for coverage and for `tap --changed`. It hooks
// every module a process loads, reads the file a second time and counts its line
// lengths, and writes a record when the process exits.
// - With coverage off (tap's default here, `disable-coverage` in .taprc), tap reads
//   none of that, so processinfo is not loaded at all (measured: 0.15-0.2 s less CPU
//   per process; 28 server test files took 7% less CPU, with `--no-enable-source-maps`
//   in .taprc).
// - With coverage on, it stays, but exempts node_modules as well as tap's own files:
//   tap never reports on node_modules, and reading the thousands of files there
//   cost every process (measured: `npm test` 362 -> 256 s in one checkout, and a
//   fresh-clone CI run from 764 to 608 s of CPU, 2 cores).
//
// Plain JavaScript: a process a test starts may run on any Node version.
import * as nodeModule from 'node:module';

const coverageOff = process.env._TAPJS_PROCESSINFO_COVERAGE_ === '0';
// Synchronous module hooks (Node 22.15+): without them processinfo loads as before.
if (coverageOff && typeof nodeModule.registerHooks === 'function') {
  const processinfo = /[\\/]@tapjs[\\/]processinfo[\\/]dist[\\/]esm[\\/]import\.mjs$/;
  nodeModule.registerHooks({
    resolve(specifier, context, nextResolve) {
      if (processinfo.test(specifier)) return { url: 'data:text/javascript,', format: 'module', shortCircuit: true };
      return nextResolve(specifier, context);
    },
  });
} else {
  const key = '_TAPJS_PROCESSINFO_EXCLUDE_';
  process.env[key] = String(/(^(node|tapmock):|[\\/](\.tap|tap-snapshots|node_modules)[\\/])/);
}
