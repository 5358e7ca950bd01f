// Entry of a review worker thread: turn on V8's code cache before the worker
// loads the pipeline and the webhook modules (most of its start-up), then run.
import { enableCompileCache } from 'node:module';

enableCompileCache();
await import('./worker-main.ts');
