// Validated CRD manifests -> one zod schema per served version. Kept apart from
// the YAML loading in crd.ts so the registry does not pull a YAML parser in.
import { KadmitError } from '../errors.ts';
import { checkBounds } from './bounds.ts';
import type { DefinitionCompiler, Schema } from './builders.ts';
import { compileRuleLayer, type CrdRuleLayer } from './crd-rule-layer.ts';
import { compileCrdSchema } from './crd-schema.ts';
import { KINDS } from './generated/kinds.ts';
import type { GroupVersionKind } from './gvk.ts';
import { formatJsonPath } from '../json-path.ts';
import { formatIssues, fromZodIssues } from './issues.ts';

export interface CrdManifest {
  /** Where it came from, for errors: `crds/guestbook.yaml#1` (document index from 1). */
  source: string;
  object: unknown;
}

export interface CrdVersion {
  gvk: GroupVersionKind;
  /** metadata.name of the CRD. */
  crd: string;
  source: string;
  schema: Schema;
  /** Defaults, list types and validation rules, when the schema has any. */
  ruleLayer?: CrdRuleLayer;
}

const CRD_DEFINITION = KINDS['apiextensions.k8s.io/v1/CustomResourceDefinition']!;
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** Validates the manifests as CRDs and compiles every served version. */
export function compileCrds(manifests: readonly CrdManifest[], compiler: DefinitionCompiler): CrdVersion[] {
  const out: CrdVersion[] = [];
  for (const m of manifests) out.push(...compileCrd(m, compiler));
  return out;
}

interface CrdShape {
  metadata: { name: string };
  spec: {
    group: string;
    names: { kind: string; plural: string };
    versions: Array<{ name: string; served: boolean; schema?: { openAPIV3Schema?: unknown } | null }>;
  };
}

function compileCrd(m: CrdManifest, compiler: DefinitionCompiler): CrdVersion[] {
  const o = m.object as Record<string, unknown> | null;
  if (typeof o !== 'object' || o === null || o['apiVersion'] !== 'apiextensions.k8s.io/v1' || o['kind'] !== 'CustomResourceDefinition') {
    const what = typeof o === 'object' && o !== null ? `${String(o['apiVersion'])} ${String(o['kind'])}` : JSON.stringify(o);
    throw new KadmitError('KADMIT_CRD_INVALID', `${m.source}: expected an apiextensions.k8s.io/v1 CustomResourceDefinition, got ${what}`);
  }
  const metaName = (o['metadata'] as { name?: unknown } | null | undefined)?.name;
  const name = typeof metaName === 'string' ? metaName : '(unnamed)';
  const fail = (detail: string): never => {
    throw new KadmitError('KADMIT_CRD_INVALID', `CRD ${name} (${m.source}): ${detail}`);
  };
  const tooBig = checkBounds(o);
  if (tooBig !== null) fail(tooBig.message);
  // The CRD object itself must fit the built-in CustomResourceDefinition schema.
  const parsed = compiler.ref(CRD_DEFINITION).safeParse(o, { reportInput: true });
  if (!parsed.success) fail(formatIssues(fromZodIssues(parsed.error.issues, 10)));
  const crd = o as unknown as CrdShape;
  const expectedName = `${crd.spec.names.plural}.${crd.spec.group}`;
  if (name !== expectedName) fail(`metadata.name: must be spec.names.plural + "." + spec.group (${expectedName})`);
  const objectMeta = compiler.ref(OBJECT_META);
  const out: CrdVersion[] = [];
  crd.spec.versions.forEach((v, i) => {
    if (!v.served) return;
    const path: PropertyKey[] = ['spec', 'versions', i, 'schema', 'openAPIV3Schema'];
    const root = v.schema?.openAPIV3Schema;
    if (root === undefined || root === null) fail(`${formatJsonPath(path)}: required for a served version`);
    const invalid = (at: readonly PropertyKey[], reason: string): never => fail(`${formatJsonPath(at)}: ${reason}`);
    const schema = compileCrdSchema(root, path, { objectMeta, invalid });
    const ruleLayer = compileRuleLayer(root, path, invalid);
    const gvk = { group: crd.spec.group, version: v.name, kind: crd.spec.names.kind };
    out.push({ gvk, crd: name, source: m.source, schema, ...(ruleLayer !== undefined ? { ruleLayer } : {}) });
  });
  return out;
}
