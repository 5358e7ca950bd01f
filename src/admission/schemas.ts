// The schema registry one thread validates with: every built-in kind (compiled
// lazily, per kind, on first use) plus the CRDs named in the configuration
// (compiled now, so a bad CRD is a start-up error naming it).
import { SchemaRegistry, type RegistryOptions } from '../schemas/registry.ts';
import { loadCrdFiles } from '../schemas/crd.ts';

export async function loadSchemaRegistry(crdFiles: readonly string[], options: RegistryOptions = {}): Promise<SchemaRegistry> {
  const builtin = SchemaRegistry.builtin(options);
  return crdFiles.length === 0 ? builtin : builtin.withCrds(await loadCrdFiles(crdFiles));
}
