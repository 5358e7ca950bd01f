// A webhook spec names a built-in policy (`builtin:<name>`) or a module by path.
// Specs written in different places (kadmit.yaml, a flag, the test kit) name the
// same module when they resolve to the same file, with or without its extension.
import { resolve } from 'node:path';

export function isModulePath(spec: string): boolean {
  return !spec.startsWith('builtin:');
}

/** `builtin:x` as is; a module path absolute and without a module extension. */
export function moduleIdentity(spec: string, cwd: string): string {
  return isModulePath(spec) ? resolve(cwd, spec).replace(/\.(m?[jt]s)$/, '') : spec;
}
