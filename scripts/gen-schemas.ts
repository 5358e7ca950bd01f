// npm run gen:schemas: regenerate src/schemas/generated/ from the pinned Kubernetes
// definitions. `--check` writes nothing and exits 1 when the committed output is stale.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate, SWAGGER_PATH } from './gen-schemas/generate.ts';
import { parseSwagger } from './gen-schemas/swagger.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const files = generate(parseSwagger(readFileSync(join(root, SWAGGER_PATH), 'utf8')));
let stale = 0;
for (const file of files) {
  const target = join(root, file.path);
  let current: string | undefined;
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === file.content) continue;
  stale++;
  if (check) {
    console.error(`stale: ${file.path}`);
  } else {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
    console.log(`wrote ${file.path} (${file.content.length} bytes)`);
  }
}
if (stale === 0) console.log(`${files.length} files up to date with ${SWAGGER_PATH}`);
if (check && stale > 0) process.exit(1);
