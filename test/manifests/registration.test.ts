// matchConditions and objectSelector go from the definition into the rendered
// webhook configuration, and bad ones are refused where the webhook is defined.
import t from 'tap';
import { fileURLToPath } from 'node:url';
import { render } from './render-support.ts';
import { defineValidatingWebhook } from '../../src/webhooks/define.ts';
import { allow } from '../../src/model/verdict.ts';

t.test('rendered from the definition', async (t) => {
  const narrow = fileURLToPath(new URL('../fixtures/webhooks/registration.ts', import.meta.url));
  const rendered = await render(['--webhook', narrow]);
  const entry = rendered.find('ValidatingWebhookConfiguration').webhooks[0];
  t.same(entry.matchConditions, [{ name: 'not-a-node', expression: "!request.userInfo.username.startsWith('system:node:')" }]);
  t.same(entry.objectSelector, { matchExpressions: [{ key: 'kadmit.dev/skip', operator: 'DoesNotExist' }] });
  t.ok(entry.namespaceSelector, 'the namespace exclusion stays');
});

t.test('bad conditions are refused at definition time', async (t) => {
  const base = { name: 'x.test.kadmit.dev', path: '/x', rules: [{ operations: ['CREATE' as const], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }], validate: () => allow() };
  t.throws(() => defineValidatingWebhook({ ...base, matchConditions: [{ name: 'bad name', expression: 'true' }] }), { code: 'KADMIT_WEBHOOK_INVALID', message: /matchConditions\[0\]\.name/ });
  t.throws(() => defineValidatingWebhook({ ...base, matchConditions: [{ name: 'a', expression: 'true' }, { name: 'a', expression: 'false' }] }), { message: /matchConditions\[1\]\.name.*repeats/ });
  t.throws(() => defineValidatingWebhook({ ...base, matchConditions: [{ name: 'a', expression: ' ' }] }), { message: /matchConditions\[0\]\.expression/ });
});
