// Printing TypeScript declarations: the pieces the built-in types generator
// (scripts/gen-schemas) and `kadmit types` (CRD kinds) share, so both print
// keys, optional fields and nulls the same way.

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A property key as written in generated code: bare when it is an identifier. */
export function propertyKey(key: string): string {
  return IDENTIFIER.test(key) ? key : quote(key);
}

export function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** `v1beta1` -> `V1beta1`, `my-kind` -> `MyKind`: a valid, stable identifier part. */
export function pascal(s: string): string {
  return s
    .split(/[^A-Za-z0-9]+/)
    .filter((p) => p !== '')
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join('');
}

export function arrayOf(type: string): string {
  return /^[A-Za-z0-9_]+$/.test(type) ? `${type}[]` : `Array<${type}>`;
}

/**
 * One field of an object type. An optional field may also be null: the API server
 * decodes (or prunes) a null as unset, so validation lets it through.
 */
export function fieldSignature(key: string, type: string, optional: boolean): string {
  return `${propertyKey(key)}${optional ? '?' : ''}: ${optional ? orNull(type) : type};`;
}

/** `type | null`, unless it already takes null. */
export function orNull(type: string): string {
  return type === 'unknown' || type.endsWith('| null') ? type : `${type} | null`;
}
