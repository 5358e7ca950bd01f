// One Swagger schema -> the schema node that validates it (src/schemas/ir.ts) and
// the TypeScript type it guarantees. Both come out of the same case, so the types a
// handler sees cannot drift from what validation enforces.
import type { IrNode } from '../../src/schemas/ir.ts';
import { SPECIAL } from './special.ts';
import { GeneratorError, qualifiedTypeName, refName, sortedKeys } from './swagger.ts';
import { arrayOf, fieldSignature, quote } from '../../src/schemas/typegen/print.ts';
import type { SwaggerSchema } from './swagger.ts';
import type { Translation } from './translation.ts';

// Keys that only document or annotate; they do not change what is accepted.
const INERT = new Set([
  'description',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-patch-strategy',
  'x-kubernetes-patch-merge-key',
  'x-kubernetes-unions',
  'x-kubernetes-group-version-kind',
  'default',
]);
const STRUCTURAL = new Set(['type', 'format', '$ref', 'properties', 'required', 'items', 'additionalProperties', 'enum']);

function checkKeys(s: SwaggerSchema, where: string): void {
  for (const key of Object.keys(s)) {
    if (!STRUCTURAL.has(key) && !INERT.has(key)) throw new GeneratorError(`${where}: unsupported schema key "${key}"`);
  }
}

export function translate(s: SwaggerSchema, where: string): Translation {
  checkKeys(s, where);
  if (s.$ref !== undefined) {
    const name = refName(s.$ref, where);
    return { node: { ref: name }, type: qualifiedTypeName(name) };
  }
  switch (s.type) {
    case undefined:
      if (Object.keys(s).every((k) => INERT.has(k))) return { node: 'any', type: 'unknown' };
      break;
    case 'string':
      if (s.enum !== undefined) {
        if (s.format !== undefined || !s.enum.every((v) => typeof v === 'string')) break;
        const values = [...(s.enum as string[])].sort();
        // Open union: the known values autocomplete, others still type-check.
        return { node: { enum: values }, type: `${values.map(quote).join(' | ')} | (string & {})` };
      }
      switch (s.format) {
        case undefined:
          return { node: 'string', type: 'string' };
        case 'byte':
          return { node: 'byte', type: 'string' };
        case 'date-time':
          return { node: 'dateTime', type: 'string | null' };
        case 'int-or-string':
          return { node: 'intOrString', type: 'number | string' };
      }
      break;
    case 'integer':
      if (s.format === 'int32') return { node: 'int32', type: 'number' };
      if (s.format === 'int64' || s.format === undefined) return { node: 'int64', type: 'number' };
      break;
    case 'number':
      if (s.format === 'double' || s.format === 'float' || s.format === undefined) return { node: 'double', type: 'number' };
      break;
    case 'boolean':
      if (s.format === undefined) return { node: 'boolean', type: 'boolean' };
      break;
    case 'array': {
      if (s.items === undefined || s.format !== undefined) break;
      const items = translate(s.items, `${where}[]`);
      return { node: { array: items.node }, type: arrayOf(items.type) };
    }
    case 'object': {
      if (s.format !== undefined || s.enum !== undefined) break;
      if (s.properties !== undefined) {
        if (s.additionalProperties !== undefined) break;
        return objectOf(s, where);
      }
      if (typeof s.additionalProperties === 'object') {
        const values = translate(s.additionalProperties, `${where}{}`);
        return { node: { map: values.node }, type: `{ [key: string]: ${values.type} }` };
      }
      if (s.additionalProperties === undefined || s.additionalProperties === true) {
        return { node: 'anyObject', type: '{ [key: string]: unknown }' };
      }
      break;
    }
  }
  throw new GeneratorError(`${where}: unsupported schema ${JSON.stringify({ ...s, description: undefined })}`);
}

function objectOf(s: SwaggerSchema, where: string): Translation {
  const props = s.properties ?? {};
  const required = [...(s.required ?? [])].sort();
  for (const r of required) {
    if (!Object.hasOwn(props, r)) throw new GeneratorError(`${where}: required field "${r}" has no property`);
  }
  const fields: Record<string, IrNode> = {};
  const lines: string[] = [];
  for (const key of sortedKeys(props)) {
    const t = translate(props[key]!, `${where}.${key}`);
    fields[key] = t.node;
    lines.push(`  ${fieldSignature(key, t.type, !required.includes(key))}`);
  }
  return {
    node: required.length > 0 ? { object: fields, required } : { object: fields },
    type: `{\n${lines.join('\n')}\n}`,
  };
}

/** A whole definition: special-cased, or translated generically. */
export function translateDefinition(name: string, s: SwaggerSchema): Translation {
  return SPECIAL[name] ?? translate(s, name);
}
