// Typed handlers as a policy author writes them, importing kadmit by name.
// test/types/compile.test.ts type-checks this file: every @ts-expect-error must
// be hit (an unused one is an error), and by the error code it names.
import { allow, defineMutatingWebhook, defineValidatingWebhook, deny, mutate, SYSTEM_NAMESPACES, type MutationVerdict } from 'kadmit';
import type { ConfigMap, KindObject } from 'kadmit/schemas';

// A Pod webhook reads its object with no annotation and no cast.
export const podImages = defineValidatingWebhook({
  name: 'pod-images.types.kadmit.dev',
  path: '/validate/pod-images',
  kinds: ['v1/Pod'],
  skip: { namespaces: SYSTEM_NAMESPACES, optOutLabel: 'example.com/skip', operations: ['DELETE'] },
  validate({ object, oldObject }) {
    const image: string | null | undefined = object?.spec?.containers[0]?.image;
    const kind: 'Pod' | undefined = object?.kind;
    const apiVersion: 'v1' | undefined = oldObject?.apiVersion;
    // @ts-expect-error TS2551 a misspelled field on a Pod
    const typo = object?.spec?.containerz;
    return image && kind && apiVersion && typo ? allow() : deny('no image');
  },
});

// A union of kinds: `kind` tells them apart.
export const workloads = defineMutatingWebhook({
  name: 'workloads.types.kadmit.dev',
  path: '/mutate/workloads',
  kinds: ['apps/v1/Deployment', 'apps/v1/StatefulSet'],
  operations: ['CREATE'],
  mutate({ object }) {
    if (object === null) return allow();
    if (!object.spec) return deny('spec is required');
    if (object.kind === 'Deployment') {
      object.spec.strategy = { type: 'Recreate' };
      // @ts-expect-error TS2339 serviceName is a StatefulSet field, not a Deployment's
      object.spec.serviceName = 'web';
    } else {
      object.spec.serviceName ||= 'web';
    }
    return mutate(object);
  },
});

const configMap: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'b' } };

// mutate() takes only an object of the webhook's kinds.
export const wrongKindAnnotated = defineMutatingWebhook({
  name: 'wrong-kind.types.kadmit.dev',
  path: '/mutate/wrong-kind',
  kinds: ['v1/Pod'],
  mutate({ object }): MutationVerdict<KindObject<'v1/Pod'>> {
    if (object !== null) return mutate(object);
    // @ts-expect-error TS2322 a ConfigMap is not a Pod
    return mutate(configMap);
  },
});

// Without a return annotation the handler as a whole is refused.
export const wrongKind = defineMutatingWebhook({
  name: 'wrong-kind-2.types.kadmit.dev',
  path: '/mutate/wrong-kind-2',
  kinds: ['v1/Pod'],
  // @ts-expect-error TS2322 the handler returns a ConfigMap for a Pod webhook
  mutate: () => mutate(configMap),
});

export const schemaOff = defineValidatingWebhook({
  name: 'schema-off.types.kadmit.dev',
  path: '/validate/schema-off',
  kinds: ['v1/Pod'],
  // @ts-expect-error TS2322 the types hold only for checked objects
  schemaValidation: 'off',
  validate: () => allow(),
});

export const unknownKind = defineValidatingWebhook({
  name: 'unknown-kind.types.kadmit.dev',
  path: '/validate/unknown-kind',
  // @ts-expect-error TS2820 no such kind
  kinds: ['v1/Podd'],
  validate: () => allow(),
});

export const badGuard = defineValidatingWebhook({
  name: 'bad-guard.types.kadmit.dev',
  path: '/validate/bad-guard',
  kinds: ['v1/Pod'],
  // @ts-expect-error TS2322 PATCH is not an admission operation
  skip: { operations: ['PATCH'] },
  validate: () => allow(),
});

// Without kinds nothing changes: raw objects, and rules are required.
export const raw = defineValidatingWebhook({
  name: 'raw.types.kadmit.dev',
  path: '/validate/raw',
  rules: [{ operations: ['CREATE'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }],
  schemaValidation: 'off',
  validate({ object }) {
    const raw: Record<string, unknown> | null = object;
    return raw?.['spec'] === undefined ? allow() : allow({ warnings: ['has a spec'] });
  },
});

// @ts-expect-error TS2345 a webhook without kinds must write its rules
export const noRules = defineValidatingWebhook({
  name: 'no-rules.types.kadmit.dev',
  path: '/validate/no-rules',
  validate: () => allow(),
});
