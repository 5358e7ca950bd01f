// Preloaded (NODE_OPTIONS, set by scripts/test.ts) into every process of the test
// suite: tap's runner, each test file, and every process a test starts.
//
// tap's process tracking (@tapjs/processinfo) hooks every module a process loads:
// it reads the file a second time and counts its line lengths, for coverage and
// for `tap --changed`. tap exempts only its own files, so every process paid that
// for each of the thousands of files under node_modules (fastify, zod,
// @kubernetes/client-node, ...), which neither use. Adding node_modules to the
// exemption before tap's hook reads it (this module runs before tap's --import)
// took `npm test` from 362 to 256 s in one checkout, and a fresh-clone CI run
// (npm ci included) from 764 to 608 s of CPU, on a 2-core machine. Coverage is
// unchanged: tap never reports on node_modules.
//
// Plain JavaScript: a process a test starts may run on any Node version.
const key = '_TAPJS_PROCESSINFO_EXCLUDE_';
const exempt = /(^(node|tapmock):|[\\/](\.tap|tap-snapshots|node_modules)[\\/])/;
process.env[key] = String(exempt);
