#!/usr/bin/env node
// The kadmit command. Installed (and in the image) it runs the compiled CLI,
// bundled (dist/cli-bundle/, made by `npm run build`: scripts/build.ts says
// why); in a checkout of kadmit it runs the sources through Node's type
// stripping, with the `kadmit-source` condition that npm and npx set (.npmrc)
// so that the sources' `import ... from 'kadmit'` resolves to src/ too.
import { existsSync } from 'node:fs';
import { enableCompileCache } from 'node:module';

// Before the CLI is read (src/cli/main.ts turns it on too, for `node src/cli/main.ts`):
// from the sources, a type-stripped module found in the cache is not stripped again,
// and a process that strips none never loads Node's TypeScript stripper (measured:
// main thread idle 97 -> 86 MiB).
enableCompileCache();

const sources = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(sources) && !import.meta.resolve('kadmit').endsWith('/src/index.ts')) {
  process.stderr.write('kadmit: in a checkout, run kadmit through npm or npx (npx kadmit ...), or node --conditions=kadmit-source\n');
  process.exit(2);
}
await import(existsSync(sources) ? sources.href : new URL('../dist/cli-bundle/main.js', import.meta.url).href);
