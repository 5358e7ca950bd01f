// The README's promises stay true: the two set-up commands and every setting.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { withTable } from '../../scripts/gen-readme-config.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

t.test('README shows the set-up commands', async (t) => {
  t.match(readme, 'npm ci && npm start');
  t.match(readme, 'npm ci && npm test');
});

t.test('README configuration table matches the options (npm run gen:readme)', async (t) => {
  t.equal(withTable(readme), readme);
});
