// Types of the built-in kinds, generated from the same definitions as their
// schemas: import them in policies, e.g. `import type { Pod } from '../schemas/types.ts'`.
// An object that passed SchemaRegistry.check() for a GVK has the type
// BuiltinKinds[gvkKey(gvk)] (unknown fields are kept at run time but not typed).
export type * from './generated/types.ts';
import type { BuiltinKinds } from './generated/types.ts';

/** The object type of a built-in kind by GVK key: `KindOf<'apps/v1/Deployment'>`. */
export type KindOf<K extends keyof BuiltinKinds> = BuiltinKinds[K];
