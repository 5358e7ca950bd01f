// x-kubernetes-list-type uniqueness, as the API server checks it: a `set` holds
// no value twice, a `map` no two items with the same values of its
// x-kubernetes-list-map-keys (an absent key counts as a value). Each repeat is
// reported once, at its second appearance, as `Duplicate value: ...`.
import type { StructuralNode } from './crd-structural.ts';
import type { SchemaIssue } from './issues.ts';
import { isObject, type JsonObject } from '../json.ts';
import { formatJsonPath } from '../json-path.ts';

/** Stable JSON: object keys sorted, so {a,b} and {b,a} are one value. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

function secondAppearances(keys: readonly string[]): number[] {
  const seen = new Map<string, number>();
  const out: number[] = [];
  keys.forEach((k, i) => {
    const times = seen.get(k) ?? 0;
    if (times === 1) out.push(i);
    seen.set(k, times + 1);
  });
  return out;
}

export function duplicateIssue(path: readonly PropertyKey[], value: unknown): SchemaIssue {
  const shown = canonicalJson(value);
  return { path: formatJsonPath(path), expected: 'a value not already in the list', received: shown, message: `Duplicate value: ${shown}` };
}

function arrayIssues(value: unknown[], node: StructuralNode, path: PropertyKey[], out: SchemaIssue[], limit: number): void {
  if (node.listType === 'set') {
    for (const i of secondAppearances(value.map(canonicalJson))) out.push(duplicateIssue([...path, i], value[i]));
  } else if (node.listType === 'map' && node.listMapKeys !== undefined) {
    const keyFields = node.listMapKeys;
    const keys = value.map((item) => {
      const key: JsonObject = {};
      if (isObject(item)) for (const k of keyFields) if (item[k] !== undefined) key[k] = item[k];
      return key;
    });
    for (const i of secondAppearances(keys.map(canonicalJson))) out.push(duplicateIssue([...path, i], keys[i]));
  }
  const items = node.items;
  if (items !== undefined) value.forEach((item, i) => out.length < limit && walk(item, items, [...path, i], out, limit));
}

function walk(value: unknown, node: StructuralNode, path: PropertyKey[], out: SchemaIssue[], limit: number): void {
  if (out.length >= limit) return;
  if (Array.isArray(value)) return arrayIssues(value, node, path, out, limit);
  if (!isObject(value)) return;
  for (const [key, prop] of node.properties ?? []) if (value[key] !== undefined) walk(value[key], prop, [...path, key], out, limit);
  const ap = node.additionalProperties;
  if (ap !== undefined) for (const key of Object.keys(value)) walk(value[key], ap, [...path, key], out, limit);
}

/** Duplicate items in set and map lists anywhere in `value` (at most `limit`). */
export function listTypeIssues(value: unknown, node: StructuralNode, limit: number): SchemaIssue[] {
  const out: SchemaIssue[] = [];
  walk(value, node, [], out, limit);
  return out.slice(0, limit);
}
