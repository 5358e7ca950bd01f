// A worker loads the webhook modules itself, and the main thread sends it each
// review by index into the list the worker loaded. So before a worker takes any
// work, the names it announces must be the main thread's, one by one and in
// order: a module that exports other webhooks in a worker (it changed on disk
// between the two loads, or it branches on isMainThread) would otherwise have
// reviews run by the wrong handler.
import { truncate } from '../truncate.ts';

const MAX_NAME_SHOWN = 100;

const shown = (name: unknown) => truncate(JSON.stringify(name) ?? String(name), MAX_NAME_SHOWN);

/**
 * Undefined when `announced` (the worker's `ready` message) lists exactly
 * `expected`, in order; otherwise the first difference, in words.
 */
export function webhookListMismatch(expected: readonly string[], announced: unknown): string | undefined {
  if (!Array.isArray(announced)) return 'it announced no list of webhook names';
  const length = Math.max(expected.length, announced.length);
  for (let i = 0; i < length; i++) {
    if (announced[i] === expected[i]) continue;
    if (i >= announced.length) return `it loaded ${announced.length} webhooks, the main thread ${expected.length}: ${shown(expected[i])} is missing`;
    if (i >= expected.length) return `it loaded ${announced.length} webhooks, the main thread ${expected.length}: ${shown(announced[i])} is extra`;
    return `webhook ${i} is ${shown(announced[i])} in the worker but ${shown(expected[i])} in the main thread`;
  }
  return undefined;
}
