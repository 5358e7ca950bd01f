// The schema registry one thread validates with: every built-in kind (compiled
// lazily, per kind, on first use) plus the CRDs named in the configuration
// (compiled now, so a bad CRD is a start-up error naming it). The CRD reader
// (and its YAML parser) is imported only when there are CRDs: a review worker
// without them does not hold it.
import { SchemaRegistry, type RegistryOptions } from '../schemas/registry.ts';

export async function loadSchemaRegistry(crdFiles: readonly string[], options: RegistryOptions = {}): Promise<SchemaRegistry> {
  const builtin = SchemaRegistry.builtin(options);
  if (crdFiles.length === 0) return builtin;
  const { loadCrdFiles } = await import('../schemas/crd.ts');
  return builtin.withCrds(await loadCrdFiles(crdFiles));
}
