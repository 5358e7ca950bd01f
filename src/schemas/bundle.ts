// Loads the generated schema bundle (schemas.json): one JSON.parse at import.
import { readFileSync } from 'node:fs';
import type { SchemaBundle } from './ir.ts';

export const bundle: Readonly<SchemaBundle> = JSON.parse(readFileSync(new URL('./generated/schemas.json', import.meta.url), 'utf8')) as SchemaBundle;

/** The Kubernetes release the built-in schemas describe, e.g. `v1.36`. */
export const KUBERNETES_VERSION = bundle.kubernetesVersion;
