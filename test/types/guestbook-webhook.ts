// A custom kind typed from its CRD: guestbook.d.ts is `kadmit types --crd
// examples/crds/guestbook.yaml` output, which registers the kind in CustomKinds.
import { allow, defineValidatingWebhook, deny } from 'kadmit';
import type { Guestbook } from './guestbook.d.ts';

export const guestbookImages = defineValidatingWebhook({
  name: 'guestbook-images.types.kadmit.dev',
  path: '/validate/guestbook-images',
  kinds: ['webapp.example.com/v1/Guestbook'],
  rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: ['webapp.example.com'], apiVersions: ['v1'], resources: ['guestbooks'], scope: 'Namespaced' }],
  validate({ object }) {
    if (object === null) return allow();
    const image: string = object.spec.image;
    const storage: 'memory' | 'redis' | 'postgres' | null | undefined = object.spec.storage;
    const memory: number | string | null | undefined = object.spec.resources?.memory;
    const port: number | undefined = object.spec.ports?.[0]?.containerPort;
    const log: unknown = object.spec.visitorLog?.['anything'];
    // @ts-expect-error TS2551 a misspelled field on a Guestbook
    const typo = object.spec.imag;
    return image && storage && memory && port && log && typo ? allow() : deny('incomplete');
  },
});

export const stored: Guestbook = {
  apiVersion: 'webapp.example.com/v1',
  kind: 'Guestbook',
  // @ts-expect-error TS2322 storage is an enum
  spec: { image: 'guestbook:1.0', storage: 'mysql' },
};
