// kadmit's own modules that it loads by name at run time (a module loaded on
// first use, a built-in policy, the review worker's entry), named with the
// extension they have as they run: `.ts` from the sources (a checkout, the
// tests), `.js` in the compiled package.
import { createRequire } from 'node:module';

export const MODULE_EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/**
 * The module `name` (relative to `base`, the caller's import.meta.url, without
 * its extension), loaded by the first call and kept: what a thread may never
 * need is not loaded with it. Required (an ES module loaded synchronously), so
 * the caller stays synchronous.
 */
export function onFirstUse<T>(base: string, name: string): () => T {
  const requireHere = createRequire(base);
  let loaded: T | undefined;
  return () => (loaded ??= requireHere(`${name}${MODULE_EXT}`) as T);
}
