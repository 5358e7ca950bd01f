// Loads the generated schema bundle (schemas.json): one JSON.parse at import. Only
// zod reads it (builders.ts), so a thread loads it when an object must be explained.
import { readFileSync } from 'node:fs';
import type { SchemaBundle } from './ir.ts';

export const bundle: Readonly<SchemaBundle> = JSON.parse(readFileSync(new URL('./generated/schemas.json', import.meta.url), 'utf8')) as SchemaBundle;
