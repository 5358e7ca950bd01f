// The test kit (kadmit/testing) reviews through the same pipeline as serve and
// replay, so a CRD's validation rules judge objects there too, transition rules
// included.
import t from 'tap';
import { join } from 'node:path';
import { createTestKit } from '../../src/testing/index.ts';
import { ROOT } from '../replay/support.ts';

const kit = await createTestKit({ webhooks: ['builtin:guestbook'], crds: [join(ROOT, 'examples/crds/guestbook.yaml')], workers: 0 });
t.teardown(() => kit.close());

const guestbook = (spec: Record<string, unknown>) => ({
  apiVersion: 'webapp.example.com/v1',
  kind: 'Guestbook',
  metadata: { name: 'visitors', namespace: 'shop' },
  spec: { image: 'ghcr.io/kadmit/guestbook:1.4.0', ...spec },
});

t.test('CREATE: a rule denies with the API server message', async (t) => {
  const r = await kit.review(undefined, guestbook({ replicas: 4, maxReplicas: 2 }));
  t.equal(r.allowed, false);
  t.equal(r.code, 422);
  t.equal(r.message, 'webapp.example.com/v1/Guestbook does not match its schema: spec.replicas: Invalid value: "object": replicas must not exceed maxReplicas');
  t.equal((await kit.review(undefined, guestbook({ replicas: 2, maxReplicas: 2 }))).allowed, true);
});

t.test('UPDATE: the transition rule compares with oldObject', async (t) => {
  const changed = await kit.review(undefined, guestbook({ storage: 'postgres' }), { operation: 'UPDATE', oldObject: guestbook({ storage: 'redis' }) });
  t.equal(changed.message, 'webapp.example.com/v1/Guestbook does not match its schema: spec.storage: Invalid value: "string": storage is immutable once set');
  const kept = await kit.review(undefined, guestbook({ storage: 'redis' }), { operation: 'UPDATE', oldObject: guestbook({ storage: 'redis' }) });
  t.equal(kept.allowed, true);
});
