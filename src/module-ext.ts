// The extension kadmit's own modules have as they run: `.ts` from the sources
// (a checkout, the tests), `.js` in the compiled package. For the modules
// kadmit loads by name at run time: a lazy require(), a built-in policy.
export const MODULE_EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
