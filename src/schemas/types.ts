// Types of the Kubernetes kinds, generated from the same definitions as their
// schemas; the package exports this module as `kadmit/schemas`:
// `import type { Pod, KindObject } from 'kadmit/schemas'`.
// An object that passed SchemaRegistry.check() for a GVK has the type
// KnownKinds[gvkKey(gvk)] (unknown fields are kept at run time but not typed).
export type * from './generated/types.ts';
import type { BuiltinKinds } from './generated/types.ts';

/**
 * Custom resource kinds by GVK key, added by module augmentation; `kadmit types
 * --crd FILE` writes it for a CRD:
 *
 *     declare module 'kadmit/schemas' {
 *       interface CustomKinds { 'example.com/v1/Guestbook': Guestbook }
 *     }
 *
 * A registered kind can be named in a webhook's `kinds` like a built-in one.
 */
export interface CustomKinds {}

/** Every kind a webhook can name: the built-in ones, then the registered custom ones. */
export type KnownKinds = BuiltinKinds & CustomKinds;

/** A GVK key: `v1/Pod`, `apps/v1/Deployment`, `example.com/v1/Guestbook`. */
export type KindKey = keyof KnownKinds & string;

/** The object type of a kind by GVK key: `KindOf<'apps/v1/Deployment'>`. */
export type KindOf<K extends KindKey> = KnownKinds[K];

/** `apiVersion` and `kind` of a GVK key, as literal types. */
export type TypeMetaOf<K extends string> = K extends `${infer Group}/${infer Version}/${infer Kind}`
  ? { apiVersion: `${Group}/${Version}`; kind: Kind }
  : K extends `${infer Version}/${infer Kind}`
    ? { apiVersion: Version; kind: Kind }
    : never;

/**
 * An object of kind K (or of any kind in a union of keys) as a handler receives
 * it: checked against its schema, so `apiVersion` and `kind` are those of K,
 * and `object.kind === 'Deployment'` tells the kinds of a union apart.
 */
export type KindObject<K extends KindKey> = K extends KindKey ? KnownKinds[K] & TypeMetaOf<K> : never;
