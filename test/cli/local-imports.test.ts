// The project files a webhook module imports, as `serve --watch` finds them.
import t from 'tap';
import { join } from 'node:path';
import { localImports } from '../../src/cli/local-imports.ts';

t.test('follows relative imports under the root, static and dynamic, through cycles; not packages, not outside', async (t) => {
  const dir = t.testdir({
    outside: { 'shared.ts': 'export const x = 1;\n' },
    project: {
      'policy.ts': [
        "import { a } from './lib/a.ts';",
        "import type { T } from \"./types.ts\";",
        "import './side-effect.ts';",
        "export { b } from './lib/b.ts';",
        "const lazy = () => import('./lazy.ts');",
        "import { x } from '../outside/shared.ts';",
        "import { y } from './node_modules/pkg/index.js';",
        "import { z } from 'kadmit';",
        "import { gone } from './missing.ts';",
      ].join('\n'),
      lib: { 'a.ts': "import { b } from './b.ts';\nexport const a = b;\n", 'b.ts': "import { a } from './a.ts';\nexport const b = 1;\n" },
      'types.ts': 'export type T = string;\n',
      'side-effect.ts': '',
      'lazy.ts': '',
      node_modules: { pkg: { 'index.js': 'export const y = 1;\n' } },
    },
  });
  const root = join(dir, 'project');
  const files = localImports([join(root, 'policy.ts')], { root, maxFiles: 100 });
  t.same(files.map((f) => f.slice(root.length + 1)).sort(), ['lazy.ts', 'lib/a.ts', 'lib/b.ts', 'policy.ts', 'side-effect.ts', 'types.ts']);
  t.equal(files[0], join(root, 'policy.ts'), 'the entry first');
  t.equal(localImports([join(root, 'policy.ts')], { root, maxFiles: 3 }).length, 3, 'bounded by maxFiles');
});
