// Loading CustomResourceDefinition manifests (apiextensions.k8s.io/v1; YAML or
// JSON, one or many documents per file). Hand the result to
// SchemaRegistry.withCrds(), which checks each CRD and compiles a validator per
// served version: a CRD the API server would refuse, or one kadmit cannot use, is
// a start-up error naming the file, the CRD and the path inside it.
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { KadmitError, errorMessage } from '../errors.ts';
import type { CrdManifest } from './crd-compile.ts';

export type { CrdManifest, CrdVersion } from './crd-compile.ts';

/** Splits YAML (multi-document) or JSON text into manifests; `List` documents are flattened. */
export function parseCrdManifests(text: string, source: string): CrdManifest[] {
  const out: CrdManifest[] = [];
  const docs = parseAllDocuments(text, { uniqueKeys: true });
  const all = Array.isArray(docs) ? docs : [docs];
  all.forEach((doc, i) => {
    const where = `${source}#${i + 1}`;
    const err = doc.errors[0];
    if (err !== undefined) throw new KadmitError('KADMIT_CRD_PARSE', `${where}: ${err.message}`);
    const object: unknown = doc.toJS({ maxAliasCount: 100 });
    if (object === null || object === undefined) return; // an empty document (trailing ---)
    const o = object as Record<string, unknown>;
    if (typeof o === 'object' && (o['kind'] === 'List' || o['kind'] === 'CustomResourceDefinitionList') && Array.isArray(o['items'])) {
      o['items'].forEach((item, j) => out.push({ source: `${where}.items[${j}]`, object: item }));
    } else {
      out.push({ source: where, object });
    }
  });
  return out;
}

export async function loadCrdFiles(paths: readonly string[]): Promise<CrdManifest[]> {
  const out: CrdManifest[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new KadmitError('KADMIT_CRD_PARSE', `cannot read CRD file ${path}: ${errorMessage(err)}`, { cause: err });
    }
    out.push(...parseCrdManifests(text, path));
  }
  return out;
}

