// The labels a namespaceSelector is matched against, as the apiserver finds
// them: the request's namespace as stored (replay has no cluster, so its labels
// come from the fixture's `namespaceLabels:` or a --namespaces file), with the
// `kubernetes.io/metadata.name` label the apiserver always sets. A Namespace's
// own CREATE or UPDATE is matched on the labels it is written with; other
// cluster-scoped objects are never filtered by a namespaceSelector.
import { UsageError } from '../errors.ts';
import { isObject } from '../json.ts';
import type { AdmissionRequest } from '../model/request.ts';
import { parseFixtureFile } from './parse.ts';
import { formatProblem } from './problems.ts';
import { labelsOf, type Labels } from './label-selector.ts';

export const NAME_LABEL = 'kubernetes.io/metadata.name';
const MAX_NAMESPACES = 10_000;

/** Namespace name -> labels, from a --namespaces file. */
export type NamespaceDirectory = ReadonlyMap<string, Labels>;

/**
 * Reads Namespace objects: a YAML stream or JSON, each document a Namespace or a
 * List of them (what `kubectl get namespaces -o yaml` prints).
 */
export function loadNamespacesFile(path: string): NamespaceDirectory {
  const parsed = parseFixtureFile(path, path);
  if (parsed.problems.length > 0) throw new UsageError(`--namespaces: ${parsed.problems.map(formatProblem).join('; ')}`);
  const out = new Map<string, Labels>();
  const add = (item: unknown, where: string) => {
    const metadata = isObject(item) ? item.metadata : undefined;
    if (!isObject(item) || item.kind !== 'Namespace' || !isObject(metadata) || typeof metadata.name !== 'string' || metadata.name === '') {
      throw new UsageError(`--namespaces: ${path}, ${where}: expected a Namespace with metadata.name (or a List of them)`);
    }
    if (out.size >= MAX_NAMESPACES) throw new UsageError(`--namespaces: ${path} holds more than ${MAX_NAMESPACES} namespaces`);
    out.set(metadata.name, labelsOf(item) ?? {});
  };
  for (const doc of parsed.documents) {
    if (doc.value === null || doc.value === undefined) continue;
    const where = `document ${doc.index}`;
    if (isObject(doc.value) && Array.isArray(doc.value.items)) doc.value.items.forEach((item, i) => add(item, `${where}, items[${i}]`));
    else add(doc.value, where);
  }
  return out;
}

function isNamespaceObject(request: AdmissionRequest): boolean {
  return request.resource.group === '' && request.resource.resource === 'namespaces';
}

function isNamespaceWrite(request: AdmissionRequest): boolean {
  return isNamespaceObject(request) && !request.subResource && (request.operation === 'CREATE' || request.operation === 'UPDATE');
}

export interface NamespaceContext {
  name: string;
  labels: Labels;
  /** Where the labels came from, for the reason a review was skipped. */
  source: string;
}

/** The namespace a namespaceSelector is matched against; undefined when it does not apply (cluster-scoped objects). */
export function namespaceFor(request: AdmissionRequest, directory: NamespaceDirectory, given: Labels | undefined): NamespaceContext | undefined {
  if (isNamespaceWrite(request)) {
    const metadata = isObject(request.object?.metadata) ? request.object.metadata : {};
    const name = typeof metadata.name === 'string' && metadata.name !== '' ? metadata.name : (request.name ?? '');
    return { name, labels: { ...labelsOf(request.object), [NAME_LABEL]: name }, source: 'the Namespace\'s own labels' };
  }
  const name = (isNamespaceObject(request) ? request.namespace || request.name : request.namespace) ?? '';
  if (name === '') return undefined;
  // A Namespace's other requests (DELETE, subresources) are matched on it as stored: the old object.
  const stored = isNamespaceObject(request) ? labelsOf(request.oldObject) : undefined;
  const listed = directory.get(name);
  const source = given !== undefined ? 'namespaceLabels' : listed !== undefined ? 'the --namespaces file' : stored !== undefined ? 'the stored Namespace' : 'none given: namespaceLabels or --namespaces';
  return { name, labels: { ...listed, ...stored, ...given, [NAME_LABEL]: name }, source };
}

/** Why a fixture's namespaceLabels cannot apply to this request, if they cannot. */
export function namespaceLabelsProblem(request: AdmissionRequest): string | undefined {
  if (isNamespaceWrite(request)) return `a Namespace's ${request.operation} is matched on the labels it is written with: put them in the object`;
  if (!isNamespaceObject(request) && !request.namespace) return 'the request is cluster-scoped: no namespaceSelector applies to it';
  return undefined;
}
