// The suite's speed depends on test files running on Node's own type stripping.
// On the first run after `npm ci` (CI's only run), tap still starts test files
// with its TypeScript plugin's loader, which compiles every imported .ts file
// with ts-node (measured: ~2.7 s of CPU per test file, ~4x the file's own cost)
// unless TAP_TYPE_STRIP_ONLY=1 reaches the test process (.taprc test-env).
import t from 'tap';

t.equal(process.env['TAP_TYPE_STRIP_ONLY'], '1', '.taprc passes TAP_TYPE_STRIP_ONLY=1 to every test process');
