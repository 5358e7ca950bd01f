// Events are best effort: stored when possible, never an error for the caller.
import t from 'tap';
import { buildEvent, recordEvent } from '../../src/kube/events.ts';
import { createKube } from '../../src/kube/kube.ts';
import { testApiServer } from './helpers.ts';

const { api, kc } = await testApiServer(t);
const kube = createKube(kc);
const input = {
  namespace: 'kadmit',
  involvedObject: { apiVersion: 'v1', kind: 'Secret', name: 'kadmit-ca', namespace: 'kadmit', uid: 'u-1' },
  type: 'Normal' as const,
  reason: 'CARotated',
  message: 'next CA published to 2 webhook configurations',
  instance: 'kadmit-0',
};

t.beforeEach(() => api.faults.clear());

t.test('an Event is created in core/v1 with the recorder fields', async (t) => {
  t.equal(await recordEvent(kube, input), true);
  const [ev] = api.store.list('events', 'kadmit');
  t.match(ev, {
    kind: 'Event',
    metadata: { name: /^kadmit-ca\.[0-9a-f]+$/, namespace: 'kadmit' },
    involvedObject: input.involvedObject,
    reason: 'CARotated',
    type: 'Normal',
    source: { component: 'kadmit' },
    reportingComponent: 'kadmit',
    reportingInstance: 'kadmit-0',
    count: 1,
  });
  t.match((ev as { firstTimestamp: string }).firstTimestamp, /^\d{4}-\d\d-\d\dT/);
  t.equal(await recordEvent(kube, input), true, 'a second one gets its own name');
  t.equal(api.store.list('events', 'kadmit').length, 2);
});

t.test('forbidden, failing or hanging: false, never a throw', async (t) => {
  const errors: unknown[] = [];
  api.faults.add({ verb: 'create', resource: 'events', status: 403, times: 1 });
  t.equal(await recordEvent(kube, input, { onError: (e) => errors.push(e) }), false);
  api.faults.add({ verb: 'create', resource: 'events', status: 500, times: 1 });
  t.equal(await recordEvent(kube, input), false);
  api.faults.add({ verb: 'create', resource: 'events', hang: true, times: 1 });
  t.equal(await recordEvent(kube, input, { timeoutMs: 100 }), false);
  t.match(errors, [{ code: 'KADMIT_KUBE_FORBIDDEN' }]);
});

t.test('long messages are truncated', async (t) => {
  const ev = buildEvent({ ...input, message: 'x'.repeat(5000) });
  t.equal(ev.message?.length, 1024);
  t.match(ev.message, /\.\.\.$/);
});
