// The head of a review: the fields the main thread reads off a body's bytes
// (body-scan.ts) without parsing it, and the key paths that lead to them.

/** The fields of a review that can be read off the bytes; each is the last one sent, as with JSON.parse. */
export interface ReviewHead {
  apiVersion?: string;
  kind?: string;
  uid?: string;
  operation?: string;
  namespace?: string;
  name?: string;
  group?: string;
  version?: string;
  resourceKind?: string;
  dryRun?: boolean;
}

/** Longest head value kept; a longer one (a 1 MiB uid) is left out of the head. */
export const MAX_HEAD_VALUE = 253;

export type HeadField = keyof ReviewHead;
// Paths from the root object to the head fields.
const HEAD_PATHS: Readonly<Record<string, HeadField>> = {
  apiVersion: 'apiVersion',
  kind: 'kind',
  'request.uid': 'uid',
  'request.operation': 'operation',
  'request.namespace': 'namespace',
  'request.name': 'name',
  'request.kind.group': 'group',
  'request.kind.version': 'version',
  'request.kind.kind': 'resourceKind',
  'request.dryRun': 'dryRun',
};
export const HEAD_DEPTH = 3;

/** HEAD_PATHS as a tree of keys: an object's node says which of its keys lead to a head field. */
export type HeadNode = Map<string, HeadNode | HeadField>;

function headTree(): HeadNode {
  const root: HeadNode = new Map();
  for (const [path, field] of Object.entries(HEAD_PATHS)) {
    const keys = path.split('.');
    let node = root;
    for (const key of keys.slice(0, -1)) {
      const next = node.get(key);
      if (next instanceof Map) node = next;
      else node.set(key, (node = new Map()));
    }
    node.set(keys.at(-1)!, field);
  }
  return root;
}

export const HEAD_TREE = headTree();

/** The text of a JSON string's content (escapes resolved); undefined if it is not valid. */
export function decodeJsonString(escaped: string): string | undefined {
  if (!escaped.includes('\\')) return escaped;
  try {
    return JSON.parse(`"${escaped}"`) as string;
  } catch {
    return undefined;
  }
}
