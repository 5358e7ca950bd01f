// Structural defaulting as the API server applies it when it decodes a custom
// resource, before validation: an absent property with a `default` gets a copy
// of it, and so does one whose null the server would prune (not nullable); the
// same for null items of a list whose item schema has a default. kadmit never
// changes what handlers see, so this builds a new value (sharing untouched
// subtrees) that only list-type checks and validation rules read.
import type { StructuralNode } from './crd-structural.ts';
import { isObject, type JsonObject } from '../json.ts';

/** `value` with the schema's defaults applied; `value` itself when nothing applies. */
export function withDefaults(value: unknown, node: StructuralNode): unknown {
  if (Array.isArray(value)) {
    const items = node.items;
    if (items === undefined) return value;
    let out: unknown[] | undefined;
    value.forEach((item, i) => {
      const filled = item === null && items.default !== undefined && !items.nullable ? structuredClone(items.default) : item;
      const next = withDefaults(filled, items);
      if (next !== item) (out ??= [...value])[i] = next;
    });
    return out ?? value;
  }
  if (!isObject(value)) return value;
  let out: JsonObject | undefined;
  const set = (key: string, v: unknown) => {
    (out ??= { ...value })[key] = v;
  };
  for (const [key, prop] of node.properties ?? []) {
    const current = value[key];
    const missing = current === undefined || (current === null && !prop.nullable);
    const filled = missing && prop.default !== undefined ? structuredClone(prop.default) : current;
    if (filled === undefined) continue;
    const next = withDefaults(filled, prop);
    if (next !== current) set(key, next);
  }
  if (node.additionalProperties !== undefined) {
    for (const key of Object.keys(value)) {
      const next = withDefaults(value[key], node.additionalProperties);
      if (next !== value[key]) set(key, next);
    }
  }
  return out ?? value;
}
