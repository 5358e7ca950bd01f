// Entry of a review worker thread: turn on V8's code cache before the worker
// loads the pipeline and the webhook modules (most of its start-up), then run.
// Compiled and bundled (`npm run build`, scripts/build.ts), the worker's
// code is in the command line's bundle beside dist/, and loading it is a few
// files instead of a few hundred modules; the sources load it as it is.
import { existsSync } from 'node:fs';
import { enableCompileCache } from 'node:module';

enableCompileCache();
const bundled = new URL('../cli-bundle/worker-main.js', import.meta.url);
await import(existsSync(bundled) ? bundled.href : './worker-main.ts');
