// The policies through kadmit's own pipeline (schema check, review worker,
// deadline), as `kadmit serve` runs them. Run with `npm test`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestKit, type TestKit } from 'kadmit/testing';
import type { KindOf } from 'kadmit/schemas';
import { pinned } from '../policies/no-latest-tag.ts';
import { LABEL } from '../policies/cost-center-label.ts';

let kit: TestKit;
// Webhooks, settings and CRDs from ../kadmit.yaml, exactly as served.
before(async () => (kit = await createTestKit({ config: new URL('../kadmit.yaml', import.meta.url) })));
after(() => kit.close());

const pod = (image: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'shop' },
  spec: { containers: [{ name: 'app', image }] },
});

test('pinned images', () => {
  assert.equal(pinned('nginx:1.27'), true);
  assert.equal(pinned('registry:5000/nginx'), false);
  assert.equal(pinned('nginx:latest'), false);
  assert.equal(pinned('nginx@sha256:abc'), true);
});

test('no-latest-tag denies a latest image and names the container', async () => {
  const result = await kit.review('no-latest-tag.policies.example.com', pod('nginx:latest'));
  assert.equal(result.allowed, false);
  assert.equal(result.code, 403);
  assert.match(result.message ?? '', /spec\.containers\[0\] \(app\): nginx:latest/);
  assert.deepEqual(result.problems, []);
});

test('no-latest-tag allows a pinned image, and an UPDATE too', async () => {
  assert.equal((await kit.review('no-latest-tag.policies.example.com', pod('nginx:1.27'))).allowed, true);
  const update = await kit.review('no-latest-tag.policies.example.com', pod('nginx:1.28'), { operation: 'UPDATE', oldObject: pod('nginx:1.27') });
  assert.equal(update.allowed, true);
});

test('an object that is not a valid Pod never reaches the handler', async () => {
  const result = await kit.review('no-latest-tag.policies.example.com', { ...pod('nginx:1.27'), spec: { containers: 'app' } });
  assert.equal(result.allowed, false);
  assert.equal(result.code, 422);
});

test('cost-center-label adds the label, and only once', async () => {
  const deployment: KindOf<'apps/v1/Deployment'> = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } },
    },
  };
  const first = await kit.review('cost-center-label.policies.example.com', deployment);
  assert.equal(first.allowed, true);
  assert.equal(first.object?.metadata?.labels?.[LABEL], 'unassigned');
  const again = await kit.review('cost-center-label.policies.example.com', first.object);
  assert.deepEqual(again.patch, []);
});

test('every fixture under fixtures/ meets its expectations', async () => {
  const results = await kit.replay([new URL('../fixtures', import.meta.url)]);
  assert.ok(results.length > 0);
  for (const r of results) assert.deepEqual(r.failures, [], r.case.id);
});
