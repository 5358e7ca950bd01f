// kadmit's own version, read from the package.json that ships with the code
// (one folder above src/ in a checkout, above dist/ when installed).
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export const KADMIT_VERSION: string = pkg.version;
