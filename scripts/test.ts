// `npm test`: tap, with two settings that every process of the suite inherits
// (tap's runner, each test file, and the servers and CLIs the tests start).
// - NODE_COMPILE_CACHE: one compile cache for all of them, so each process does not
//   strip and compile the same TypeScript again (5-8% less CPU per test file).
//   An existing NODE_COMPILE_CACHE is kept.
// - test/setup/tap-process-tracking.js, preloaded: keeps tap's process tracking
//   out of processes when coverage is off, and off node_modules when it is on
//   (the file says why and what it saves).
// - test/setup/bundle-hook.js, preloaded, with the bundles built here when their
//   packages' files changed: each test file loads tap as one bundled module
//   (KADMIT_TAP_BUNDLE; test/setup/tap-bundle.ts says why), and every process and
//   worker thread loads kadmit's heavier dependencies from a bundle
//   (KADMIT_DEPENDENCY_BUNDLE; test/setup/dependency-bundle.ts).
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tapBundle } from '../test/setup/tap-bundle.ts';
import { dependencyBundle } from '../test/setup/dependency-bundle.ts';

const root = join(import.meta.dirname, '..');
// File URLs: NODE_OPTIONS splits on spaces, and a URL has none.
const preloads = ['tap-process-tracking.js', 'bundle-hook.js'].map((file) => `--import=${pathToFileURL(join(root, 'test', 'setup', file)).href}`);
const env = {
  ...process.env,
  NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE || join(root, 'node_modules', '.cache', 'kadmit-tests'),
  NODE_OPTIONS: [process.env.NODE_OPTIONS, ...preloads].filter(Boolean).join(' '),
  KADMIT_TAP_BUNDLE: await tapBundle(root),
  KADMIT_DEPENDENCY_BUNDLE: JSON.stringify(await dependencyBundle(root)),
};

const tap = spawn('tap', process.argv.slice(2), { stdio: 'inherit', env });
// tap is found on the PATH npm gives its scripts (node_modules/.bin).
tap.on('error', (err) => {
  process.stderr.write(`cannot start tap: ${err.message}; run the tests with \`npm test\` after \`npm ci\`\n`);
  process.exit(1);
});
// Ctrl-C reaches tap through the terminal's process group; a signal sent to this
// process alone (a CI runner's SIGTERM) is passed on.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => tap.kill(signal));
tap.on('exit', (code, signal) => process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0)));
