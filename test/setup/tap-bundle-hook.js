// Preloaded (NODE_OPTIONS, set by scripts/test.ts) into every process of the test
// suite: in a test file, `import ... from 'tap'` loads the one-file bundle of tap
// that test/setup/tap-bundle.ts built (KADMIT_TAP_BUNDLE, its file URL), not tap's
// ~270 modules. Other processes never import `tap`, and without the variable
// nothing is hooked.
//
// Plain JavaScript: a process a test starts may run on any Node version.
import * as nodeModule from 'node:module';

const bundle = process.env.KADMIT_TAP_BUNDLE;
// Synchronous module hooks (Node 22.15+): without them tap loads as installed.
if (bundle && typeof nodeModule.registerHooks === 'function') {
  nodeModule.registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier === 'tap') return { url: bundle, format: 'module', shortCircuit: true };
      return nextResolve(specifier, context);
    },
  });
}
