// The README's promises stay true: the two set-up commands and every setting.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { SERVE_OPTIONS } from '../../src/config/options.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

t.test('README documents the set-up commands and every setting', async (t) => {
  t.match(readme, 'npm ci && npm start');
  t.match(readme, 'npm ci && npm test');
  for (const o of SERVE_OPTIONS) {
    t.match(readme, `\`--${o.flag}\``, o.flag);
    t.match(readme, `\`${o.env}\``, o.env);
  }
});
