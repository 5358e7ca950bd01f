// Preloaded (NODE_OPTIONS, set by scripts/test.ts) into every process and worker
// thread of the test suite, to load bundles that scripts/test.ts built:
// - KADMIT_TAP_BUNDLE (a file URL): in a test file, `import ... from 'tap'` loads
//   the one-file bundle of tap (test/setup/tap-bundle.ts), not tap's ~270 modules;
// - KADMIT_DEPENDENCY_BUNDLE (JSON: specifier -> file URL): kadmit's heavier
//   dependencies (test/setup/dependency-bundle.ts). A specifier is redirected only
//   when Node would resolve it into this checkout's node_modules (the one beside
//   this file's test/ folder), and only for `import`:
//   a packed kadmit installed elsewhere loads its own copies. Any other subpath of
//   a bundled package is refused, since it would load a second copy of the package.
// Without the variables nothing is hooked.
//
// Plain JavaScript: a process a test starts may run on any Node version.
import * as nodeModule from 'node:module';

const tap = process.env.KADMIT_TAP_BUNDLE;
const dependencies = process.env.KADMIT_DEPENDENCY_BUNDLE ? new Map(Object.entries(JSON.parse(process.env.KADMIT_DEPENDENCY_BUNDLE))) : new Map();
const nodeModules = new URL('../../node_modules/', import.meta.url).href;
const packageOf = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
const bundledPackages = new Set([...dependencies.keys()].map(packageOf));

// Synchronous module hooks (Node 22.15+): without them everything loads as installed.
if ((tap || dependencies.size > 0) && typeof nodeModule.registerHooks === 'function') {
  nodeModule.registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier === 'tap' && tap) return { url: tap, format: 'module', shortCircuit: true };
      const bundled = dependencies.get(specifier);
      if (bundled === undefined && !bundledPackages.has(packageOf(specifier))) return nextResolve(specifier, context);
      const resolved = nextResolve(specifier, context);
      if (!context.conditions.includes('import') || !resolved.url.startsWith(`${nodeModules}${packageOf(specifier)}/`)) return resolved;
      if (bundled === undefined) {
        throw new Error(`${specifier} is a part of ${packageOf(specifier)} that the suite's dependency bundle lacks: add it to BUNDLED_SPECIFIERS in test/setup/dependency-bundle.ts`);
      }
      return { url: bundled, format: 'module', shortCircuit: true };
    },
  });
}
