// The configuration chooses the policies and their settings; a setting that
// does not validate is a start-up error naming it.
import t from 'tap';
import { loadWebhooks } from '../../src/webhooks/load.ts';
import { KadmitError } from '../../src/errors.ts';

t.test('the built-in policies load with their defaults', async (t) => {
  const loaded = await loadWebhooks(['builtin:pod-security', 'builtin:pod-defaults', 'builtin:guestbook']);
  t.same(loaded.map((l) => [l.webhook.type, l.webhook.name, l.webhook.path]), [
    ['validating', 'pod-security.kadmit.dev', '/validate/pod-security'],
    ['mutating', 'pod-defaults.kadmit.dev', '/mutate/pod-defaults'],
    ['validating', 'guestbook.kadmit.dev', '/validate/guestbook'],
  ]);
  const [security, defaults] = loaded.map((l) => l.webhook);
  t.equal(security!.failurePolicy, 'Fail');
  t.equal(defaults!.failurePolicy, 'Ignore');
  t.equal(defaults!.type === 'mutating' && defaults!.reinvocationPolicy, 'IfNeeded');
  t.ok(security!.rules.some((r) => r.resources.includes('pods/ephemeralcontainers')));
  t.ok(security!.rules.some((r) => r.apiGroups.includes('batch') && r.resources.includes('cronjobs')));
});

t.test('settings change the webhook', async (t) => {
  const [w] = await loadWebhooks(['builtin:pod-security'], { 'builtin:pod-security': { failurePolicy: 'Ignore', timeoutSeconds: 3 } });
  t.equal(w!.webhook.failurePolicy, 'Ignore');
  t.equal(w!.webhook.timeoutSeconds, 3);
});

t.test('invalid settings name the policy and the setting', async (t) => {
  const cases: [string, unknown, RegExp][] = [
    ['builtin:pod-security', { allowedRegistries: ['https://ghcr.io'] }, /settings\["builtin:pod-security"\]\.allowedRegistries\[0\]: expected a registry host/],
    ['builtin:pod-security', { exemptNamespaces: ['Not_A_Namespace'] }, /settings\["builtin:pod-security"\]\.exemptNamespaces\[0\]: expected a namespace name/],
    ['builtin:pod-security', { allowedCapabilities: ['SYS ADMIN'] }, /allowedCapabilities\[0\]: expected a capability name/],
    ['builtin:pod-security', { allowedHostPorts: [70000] }, /allowedHostPorts\[0\]/],
    ['builtin:pod-security', { requireExplict: false }, /Unrecognized key: "requireExplict"/],
    ['builtin:pod-defaults', { setSeccompProfile: 'yes' }, /settings\["builtin:pod-defaults"\]\.setSeccompProfile: /],
    ['builtin:pod-defaults', { timeoutSeconds: 31 }, /settings\["builtin:pod-defaults"\]\.timeoutSeconds: /],
    ['builtin:guestbook', { maxReplicas: -1 }, /settings\["builtin:guestbook"\]\.maxReplicas: /],
  ];
  for (const [spec, settings, message] of cases) {
    await t.rejects(loadWebhooks([spec], { [spec]: settings }), { code: 'KADMIT_POLICY_SETTINGS', message }, `${spec} ${JSON.stringify(settings)}`);
  }
  t.ok(KadmitError);
});
