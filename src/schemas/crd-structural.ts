// The parts of a CRD version's openAPIV3Schema that validation rules, list
// types and defaults need, read once at load time into a tree. The raw schema
// has already passed crd-schema.ts, so shapes are trusted here; what is checked
// is only what the rule layer adds (x-kubernetes-validations, list-map keys).
// Rules sit on the structural spine only: crd-schema.ts refuses them inside
// allOf/anyOf/oneOf/not, as it does every extension there.
import { isObject } from '../json.ts';

type Raw = Record<string, unknown>;

export interface RawRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

export interface StructuralNode {
  /** The schema's type ('' for int-or-string and untyped nodes): the "Invalid value" of rule errors. */
  type: string;
  nullable: boolean;
  intOrString: boolean;
  preserveUnknownFields: boolean;
  embeddedResource: boolean;
  format?: string;
  default?: unknown;
  properties?: Map<string, StructuralNode>;
  additionalProperties?: StructuralNode;
  items?: StructuralNode;
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: readonly string[];
  mapType?: 'granular' | 'atomic';
  rules: readonly RawRule[];
  /** Where the node sits in the CRD object, for load errors. */
  at: readonly PropertyKey[];
}

export type Invalid = (path: readonly PropertyKey[], reason: string) => never;

function readRules(node: Raw, at: readonly PropertyKey[], invalid: Invalid): RawRule[] {
  const v = node['x-kubernetes-validations'];
  if (v === undefined) return [];
  if (!Array.isArray(v)) return invalid([...at, 'x-kubernetes-validations'], 'must be a list of rules');
  return v.map((r, i) => {
    const where = [...at, 'x-kubernetes-validations', i];
    if (!isObject(r) || typeof r['rule'] !== 'string') return invalid([...where, 'rule'], 'Required value');
    for (const key of ['message', 'messageExpression', 'reason', 'fieldPath'] as const) {
      if (r[key] !== undefined && typeof r[key] !== 'string') invalid([...where, key], 'must be a string');
    }
    if (r['optionalOldSelf'] !== undefined && typeof r['optionalOldSelf'] !== 'boolean') invalid([...where, 'optionalOldSelf'], 'must be a boolean');
    return r as unknown as RawRule;
  });
}

function listType(node: Raw, at: readonly PropertyKey[], invalid: Invalid): StructuralNode['listType'] {
  const t = node['x-kubernetes-list-type'];
  if (t === undefined) return undefined;
  if (t !== 'atomic' && t !== 'set' && t !== 'map') return invalid([...at, 'x-kubernetes-list-type'], `Unsupported value: ${JSON.stringify(t)}: supported values: "atomic", "map", "set"`);
  return t;
}

function mapType(node: Raw, at: readonly PropertyKey[], invalid: Invalid): StructuralNode['mapType'] {
  const t = node['x-kubernetes-map-type'];
  if (t === undefined) return undefined;
  if (t !== 'granular' && t !== 'atomic') return invalid([...at, 'x-kubernetes-map-type'], `Unsupported value: ${JSON.stringify(t)}: supported values: "atomic", "granular"`);
  return t;
}

export function readStructural(raw: unknown, at: readonly PropertyKey[], invalid: Invalid): StructuralNode {
  const node = isObject(raw) ? raw : {};
  const out: StructuralNode = {
    type: typeof node['type'] === 'string' ? node['type'] : '',
    nullable: node['nullable'] === true,
    intOrString: node['x-kubernetes-int-or-string'] === true,
    preserveUnknownFields: node['x-kubernetes-preserve-unknown-fields'] === true,
    embeddedResource: node['x-kubernetes-embedded-resource'] === true,
    rules: readRules(node, at, invalid),
    at,
  };
  if (typeof node['format'] === 'string') out.format = node['format'];
  if (node['default'] !== undefined) out.default = node['default'];
  if (isObject(node['properties'])) {
    out.properties = new Map(Object.entries(node['properties']).map(([k, v]) => [k, readStructural(v, [...at, 'properties', k], invalid)]));
  }
  if (isObject(node['additionalProperties'])) out.additionalProperties = readStructural(node['additionalProperties'], [...at, 'additionalProperties'], invalid);
  if (isObject(node['items'])) out.items = readStructural(node['items'], [...at, 'items'], invalid);
  const lt = listType(node, at, invalid);
  if (lt !== undefined) out.listType = lt;
  const mt = mapType(node, at, invalid);
  if (mt !== undefined) out.mapType = mt;
  if (lt === 'map') out.listMapKeys = listMapKeys(node, out, at, invalid);
  else if (node['x-kubernetes-list-map-keys'] !== undefined) invalid([...at, 'x-kubernetes-list-map-keys'], 'must be empty if x-kubernetes-list-type is not map');
  return out;
}

// The API server's rules for list-map keys: at least one, each a scalar property
// of the item schema that is required or has a default.
function listMapKeys(node: Raw, s: StructuralNode, at: readonly PropertyKey[], invalid: Invalid): string[] {
  const keys = node['x-kubernetes-list-map-keys'];
  const where = [...at, 'x-kubernetes-list-map-keys'];
  if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === 'string')) return invalid(where, 'must not be empty if x-kubernetes-list-type is map');
  if (new Set(keys).size !== keys.length) invalid(where, 'must not contain duplicate keys');
  const items = isObject(node['items']) ? node['items'] : {};
  if (s.items?.type !== 'object') invalid([...at, 'items', 'type'], 'must be object if parent array\'s x-kubernetes-list-type is map');
  const required = Array.isArray(items['required']) ? items['required'] : [];
  keys.forEach((k, i) => {
    const prop = s.items?.properties?.get(k);
    if (prop === undefined) return invalid([...where, i], 'entries must all be names of item properties');
    if (!['string', 'integer', 'number', 'boolean'].includes(prop.type) && !prop.intOrString) invalid([...at, 'items', 'properties', k, 'type'], 'must be a scalar type if parent array\'s x-kubernetes-list-type is map');
    if (!required.includes(k) && prop.default === undefined) invalid([...where, i], `must be required or have a default (${k})`);
  });
  return keys;
}

export function hasRules(node: StructuralNode): boolean {
  if (node.rules.length > 0) return true;
  if (node.items !== undefined && hasRules(node.items)) return true;
  if (node.additionalProperties !== undefined && hasRules(node.additionalProperties)) return true;
  for (const p of node.properties?.values() ?? []) if (hasRules(p)) return true;
  return false;
}

/** A node whose subtree has list types, defaults or rules: the CRD needs the rule layer. */
export function needsRuleLayer(node: StructuralNode): boolean {
  if (node.rules.length > 0 || node.default !== undefined || node.listType === 'set' || node.listType === 'map') return true;
  const children = [...(node.properties?.values() ?? []), node.items, node.additionalProperties];
  return children.some((c) => c !== undefined && needsRuleLayer(c));
}
