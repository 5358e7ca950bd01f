// pod-defaults' promises, checked on generated pod specs: it never throws on
// odd input, never changes a value the user set, writes only where it may,
// and a second pass changes nothing.
import t from 'tap';
import fc from 'fast-check';
import { applyPodDefaults } from '../../src/policies/pod-defaults/apply.ts';
import { podDefaultsSettings } from '../../src/policies/pod-defaults/settings.ts';
import { reviewPodDefaults } from '../../src/policies/pod-defaults.ts';
import type { MutationInput } from '../../src/model/webhook.ts';
import { at, podSpec, setLeaves } from './arbitraries.ts';

const SEED = 20261126;
const settings = podDefaultsSettings.parse({});

t.test('never overwrites a set value, and is idempotent', async (t) => {
  fc.assert(
    fc.property(podSpec, (original) => {
      const spec = structuredClone(original) as Record<string, unknown>;
      applyPodDefaults(spec, settings, { podLevel: true });
      for (const [pointer, value] of setLeaves(original)) {
        const now = at(spec, pointer);
        if (now !== value) throw new Error(`${pointer} changed from ${JSON.stringify(value)} to ${JSON.stringify(now)}`);
      }
      const once = structuredClone(spec);
      const second = applyPodDefaults(spec, settings, { podLevel: true });
      if (second.size !== 0 || JSON.stringify(spec) !== JSON.stringify(once)) throw new Error(`second pass applied ${[...second].join(',')}`);
    }),
    { seed: SEED, numRuns: 2_000 },
  );
  t.pass('2000 generated pod specs');
});

t.test('never writes allowPrivilegeEscalation=false where the API would reject it', async (t) => {
  const spec = {
    containers: [
      { name: 'p', securityContext: { privileged: true } },
      { name: 'a', securityContext: { capabilities: { add: ['sys_admin'] } } },
      { name: 'b' },
    ],
  } as Record<string, any>;
  applyPodDefaults(spec, settings, { podLevel: true });
  t.equal(spec.containers[0].securityContext.allowPrivilegeEscalation, undefined);
  t.equal(spec.containers[1].securityContext.allowPrivilegeEscalation, undefined);
  t.equal(spec.containers[2].securityContext.allowPrivilegeEscalation, false);
});

t.test('runAsNonRoot is not added where the pod or container asks for UID 0, nor over a pod-level choice', async (t) => {
  const spec = { securityContext: { runAsUser: 0 }, containers: [{ name: 'a' }, { name: 'b', securityContext: { runAsUser: 1000 } }] } as Record<string, any>;
  applyPodDefaults(spec, settings, { podLevel: true });
  t.equal(spec.containers[0].securityContext.runAsNonRoot, undefined, 'inherits UID 0');
  t.equal(spec.containers[1].securityContext.runAsNonRoot, true, 'its own UID 1000');
  const chosen = { securityContext: { runAsNonRoot: false }, containers: [{ name: 'a' }] } as Record<string, any>;
  applyPodDefaults(chosen, settings, { podLevel: true });
  t.equal(chosen.containers[0].securityContext.runAsNonRoot, undefined);
});

t.test('garbage where an object belongs is left alone, not replaced', async (t) => {
  const spec = { securityContext: 'odd', containers: [{ name: 'a', securityContext: 7 }, { name: 'b', securityContext: { capabilities: 'x' } }] } as Record<string, any>;
  const applied = applyPodDefaults(spec, settings, { podLevel: true });
  t.equal(spec.securityContext, 'odd');
  t.equal(spec.containers[0].securityContext, 7);
  t.equal(spec.containers[1].securityContext.capabilities, 'x');
  t.same([...applied].sort(), ['allowPrivilegeEscalation', 'runAsNonRoot']);
});

t.test('each default can be switched off', async (t) => {
  const off = podDefaultsSettings.parse({ setSeccompProfile: false, setAllowPrivilegeEscalation: false, setRunAsNonRoot: false, dropAllCapabilities: false });
  const spec = { containers: [{ name: 'a' }] };
  t.equal(applyPodDefaults(spec, off, { podLevel: true }).size, 0);
  t.same(spec, { containers: [{ name: 'a' }] });
  const onlySeccomp = podDefaultsSettings.parse({ setAllowPrivilegeEscalation: false, setRunAsNonRoot: false, dropAllCapabilities: false });
  const spec2 = { containers: [{ name: 'a' }] } as Record<string, any>;
  t.same([...applyPodDefaults(spec2, onlySeccomp, { podLevel: true })], ['seccompProfile']);
  t.same(spec2.securityContext, { seccompProfile: { type: 'RuntimeDefault' } });
});

t.test('reviewPodDefaults: scope per operation', async (t) => {
  const request = (operation: string, kind: string, group = '', extra: Record<string, unknown> = {}) =>
    ({ uid: 'u', kind: { group, version: 'v1', kind }, resource: { group, version: 'v1', resource: 'x' }, operation, userInfo: {}, dryRun: false, options: null, namespace: 'ns', ...extra });
  const review = (r: ReturnType<typeof request>, object: unknown, oldObject: unknown) =>
    reviewPodDefaults({ signal: new AbortController().signal, deadline: Date.now() + 5000, request: r, object, oldObject } as unknown as MutationInput, settings);
  const pod = () => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'x:1' }] } });
  const connect = review(request('CONNECT', 'Pod'), pod(), null);
  t.equal(connect.verdict, 'allowed', 'CONNECT is never mutated');
  const status = review(request('UPDATE', 'Pod', '', { subResource: 'status' }), pod(), pod());
  t.equal(status.verdict, 'allowed', 'a pod subresource other than ephemeralcontainers is not mutated');
  const other = review(request('CREATE', 'ConfigMap'), { data: {} }, null);
  t.equal(other.verdict, 'allowed', 'a kind without pods is passed');
  const noSpec = review(request('CREATE', 'Deployment', 'apps'), { spec: null }, null);
  t.equal(noSpec.verdict, 'allowed', 'a workload without a template is passed (schema validation reports it)');
});
