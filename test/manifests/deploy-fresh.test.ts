// deploy/ is the rendered default output; this fails when it is stale.
// Regenerate with: npm run gen:deploy (kadmit manifests --out deploy).
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { loadWebhooks } from '../../src/webhooks/load.ts';
import { manifestConfigSchema } from '../../src/manifests/config.ts';
import { renderObjects, toFiles } from '../../src/manifests/render.ts';

const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));

t.test('deploy/ matches `kadmit manifests --out deploy`', async (t) => {
  const config = manifestConfigSchema.parse({});
  const webhooks = (await loadWebhooks(config.webhooks, config.settings)).map((l) => l.webhook);
  const expected = toFiles(renderObjects(webhooks, config));
  t.same(readdirSync(DEPLOY).sort(), [...expected.keys()].sort(), 'the same files');
  for (const [name, text] of expected) {
    t.equal(readFileSync(join(DEPLOY, name), 'utf8'), text, `deploy/${name} is current (npm run gen:deploy)`);
  }
});
