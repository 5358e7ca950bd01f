// pod-security's rules called directly: messages name the container and the
// field, settings change what is allowed, and no input makes it throw.
import t from 'tap';
import fc from 'fast-check';
import { checkPodSpec } from '../../src/policies/pod-security/checks.ts';
import { podSecuritySettings } from '../../src/policies/pod-security/settings.ts';
import { denialMessage, formatViolation } from '../../src/policies/pod-security/violation.ts';
import { podSpec } from './arbitraries.ts';
import { reviewPodSecurity } from '../../src/policies/pod-security.ts';
import type { ValidationInput } from '../../src/model/webhook.ts';

const SEED = 20261126;
const defaults = podSecuritySettings.parse({});
const good = () => ({
  securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [{ name: 'app', image: 'nginx:1.27', resources: { limits: { memory: '1Gi' } }, securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
});
const check = (spec: unknown, settings = defaults) => checkPodSpec(spec as Record<string, unknown>, 'spec', settings).map(formatViolation);

t.test('a compliant pod has no violations', async (t) => {
  t.same(check(good()), []);
});

t.test('every rule names the field and the container', async (t) => {
  const cases: [string, (s: any) => void, string][] = [
    ['privileged', (s) => (s.containers[0].securityContext.privileged = true), 'spec.containers[0].securityContext.privileged (container "app"): privileged containers are not allowed'],
    ['hostIPC', (s) => (s.hostIPC = true), "spec.hostIPC: sharing the host's IPC namespace is not allowed"],
    ['hostProcess', (s) => (s.containers[0].securityContext.windowsOptions = { hostProcess: true }), 'spec.containers[0].securityContext.windowsOptions.hostProcess (container "app"): Windows HostProcess containers are not allowed'],
    ['capability ALL', (s) => (s.containers[0].securityContext.capabilities = { drop: ['ALL'], add: ['ALL'] }), 'spec.containers[0].securityContext.capabilities.add[0] (container "app"): adding capability "ALL" is not allowed (allowed: NET_BIND_SERVICE)'],
    ['non-string capability', (s) => (s.containers[0].securityContext.capabilities = { drop: ['ALL'], add: [7] }), 'spec.containers[0].securityContext.capabilities.add[0] (container "app"): adding capability 7 is not allowed (allowed: NET_BIND_SERVICE)'],
    ['pod uid 0', (s) => (s.securityContext.runAsUser = 0), 'spec.securityContext.runAsUser: running as UID 0 (root) is not allowed'],
    ['container seccomp', (s) => (s.containers[0].securityContext.seccompProfile = { type: 'Unconfined' }), 'spec.containers[0].securityContext.seccompProfile.type (container "app"): Unconfined is not allowed; use RuntimeDefault or Localhost'],
    ['memory limit zero', (s) => (s.containers[0].resources.limits.memory = ''), 'spec.containers[0].resources.limits.memory (container "app"): a memory limit is required'],
    ['no image', (s) => delete s.containers[0].image, 'spec.containers[0].image (container "app"): an image is required'],
    ['bad image', (s) => (s.containers[0].image = 'Nginx:1'), 'spec.containers[0].image (container "app"): "Nginx:1" is not a valid image reference: it has an invalid repository "Nginx"'],
    ['unnamed container', (s) => delete s.containers[0].name, ''],
  ];
  for (const [label, edit, expected] of cases) {
    const spec = good();
    edit(spec);
    if (label === 'unnamed container') t.same(check(spec), [], label);
    else t.same(check(spec), [expected], label);
  }
});

t.test('ephemeral containers are checked, but cannot carry resources so need no memory limit', async (t) => {
  const spec = good() as any;
  spec.ephemeralContainers = [{ name: 'debug', image: 'busybox:1.37', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }];
  t.same(check(spec), []);
  spec.ephemeralContainers[0].securityContext.capabilities = { drop: ['ALL'], add: ['SYS_PTRACE'] };
  t.same(check(spec), ['spec.ephemeralContainers[0].securityContext.capabilities.add[0] (container "debug"): adding capability "SYS_PTRACE" is not allowed (allowed: NET_BIND_SERVICE)']);
});

t.test('requireExplicit: unset settings are violations unless turned off, and never for Windows pods', async (t) => {
  const bare = { containers: [{ name: 'a', image: 'nginx:1.27', resources: { limits: { memory: '1Gi' } } }] };
  t.same(check(bare).map((m) => m.split(' (')[0]), [
    'spec.containers[0].securityContext.capabilities.drop',
    'spec.containers[0].securityContext.allowPrivilegeEscalation',
    'spec.containers[0].securityContext.runAsNonRoot',
    'spec.containers[0].securityContext.seccompProfile.type',
  ]);
  t.same(check(bare, podSecuritySettings.parse({ requireExplicit: false })), []);
  t.same(check({ ...bare, os: { name: 'windows' } }), []);
  const uid = { securityContext: { runAsUser: 1000, seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' } }, containers: [{ ...bare.containers[0], securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['cap_all'] } } }] };
  t.same(check(uid), [], 'a non-zero runAsUser is as good as runAsNonRoot');
  const override = structuredClone(uid) as any;
  override.containers[0].securityContext.runAsUser = 0;
  t.same(check(override), ['spec.containers[0].securityContext.runAsUser (container "a"): running as UID 0 (root) is not allowed']);
});

t.test('settings: capabilities, host ports, memory limits, mutable images, registries', async (t) => {
  const spec = good() as any;
  spec.containers[0].securityContext.capabilities = { drop: ['ALL'], add: ['CAP_CHOWN', 'net_bind_service'] };
  spec.containers[0].ports = [{ containerPort: 53, hostPort: 53 }];
  spec.containers[0].image = 'nginx';
  delete spec.containers[0].resources;
  t.equal(check(spec).length, 4);
  const relaxed = podSecuritySettings.parse({ allowedCapabilities: ['chown', 'NET_BIND_SERVICE'], allowedHostPorts: [53], requireMemoryLimits: false, denyMutableImages: false });
  t.same(check(spec, relaxed), []);
  const registries = podSecuritySettings.parse({ allowedRegistries: ['index.docker.io/library'], denyMutableImages: false, requireMemoryLimits: false, allowedCapabilities: ['CHOWN', 'NET_BIND_SERVICE'], allowedHostPorts: [53] });
  t.same(check(spec, registries), [], 'index.docker.io means docker.io');
});

t.test('baseline profiles: AppArmor, SELinux, /proc mount and sysctls', async (t) => {
  const cases: [string, (s: any) => void, string[]][] = [
    ['AppArmor Unconfined, pod', (s) => (s.securityContext.appArmorProfile = { type: 'Unconfined' }), ['spec.securityContext.appArmorProfile: type "Unconfined" is not allowed; use RuntimeDefault or Localhost']],
    ['AppArmor Localhost, container', (s) => (s.containers[0].securityContext.appArmorProfile = { type: 'Localhost', localhostProfile: 'k8s-nginx' }), []],
    ['SELinux container_t', (s) => (s.securityContext.seLinuxOptions = { type: 'container_t', level: 's0:c123,c456' }), []],
    ['SELinux spc_t and a role', (s) => (s.containers[0].securityContext.seLinuxOptions = { type: 'spc_t', role: 'sysadm_r' }), [
      'spec.containers[0].securityContext.seLinuxOptions (container "app"): type "spc_t" is not allowed (allowed: container_t, container_init_t, container_kvm_t, container_engine_t); role may not be set',
    ]],
    ['procMount Unmasked', (s) => (s.containers[0].securityContext.procMount = 'Unmasked'), ['spec.containers[0].securityContext.procMount (container "app"): must be Default: an unmasked /proc exposes the host']],
    ['procMount Default', (s) => (s.containers[0].securityContext.procMount = 'Default'), []],
    ['sysctls', (s) => (s.securityContext.sysctls = [{ name: 'net.ipv4.tcp_keepalive_time', value: '60' }, { name: 'kernel.sem', value: '1' }, { value: 'x' }]), [
      'spec.securityContext.sysctls[1].name: sysctl "kernel.sem" is not allowed (only namespaced ones that cannot affect other pods or the node)',
      'spec.securityContext.sysctls[2].name: sysctl undefined is not allowed (only namespaced ones that cannot affect other pods or the node)',
    ]],
  ];
  for (const [label, edit, expected] of cases) {
    const spec = good() as any;
    edit(spec);
    t.same(check(spec), expected, label);
  }
  const spec = good() as any;
  spec.securityContext.sysctls = [{ name: 'kernel.sem', value: '1' }];
  t.same(check(spec, podSecuritySettings.parse({ allowedSysctls: ['kernel.sem'] })), [], 'allowedSysctls replaces the safe set');
});

t.test('volume types: the restricted set by default, configurable; hostPath always has its own rule', async (t) => {
  const spec = good() as any;
  spec.volumes = [{ name: 'a', configMap: { name: 'c' } }, { name: 'b', nfs: { server: 's', path: '/' } }, { name: 'c', hostPath: { path: '/' } }, { name: 'd', projected: { sources: [] } }];
  t.same(check(spec), [
    'spec.volumes[2].hostPath: hostPath volumes are not allowed (volume "c")',
    'spec.volumes[1].nfs: nfs volumes are not allowed (volume "b"; allowed: configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret)',
  ]);
  t.same(check(spec, podSecuritySettings.parse({ allowedVolumeTypes: ['configMap', 'nfs', 'projected', 'hostPath'] })), ['spec.volumes[2].hostPath: hostPath volumes are not allowed (volume "c")']);
  t.throws(() => podSecuritySettings.parse({ allowedVolumeTypes: ['NFS volumes'] }), /expected a volume type/);
});

t.test('the denial message is bounded', async (t) => {
  const spec = { containers: Array.from({ length: 40 }, (_, i) => ({ name: `c${i}`, image: 'nginx', securityContext: { privileged: true } })) };
  const violations = checkPodSpec(spec, 'spec', defaults);
  t.ok(violations.length > 100);
  const message = denialMessage('Pod "big"', violations);
  t.match(message, new RegExp(`^Pod "big" breaks pod security \\(${violations.length} violations\\): .*; and ${violations.length - 10} more$`));
  t.ok(message.length < 2_000, `${message.length} characters`);
});

t.test('no input makes the rules throw, and every violation has a path under the spec', async (t) => {
  fc.assert(
    fc.property(podSpec, (spec) => {
      for (const v of checkPodSpec(spec as Record<string, unknown>, 'spec.template.spec', defaults)) {
        if (!v.path.startsWith('spec.template.spec.') || v.message === '') throw new Error(`bad violation ${JSON.stringify(v)}`);
      }
    }),
    { seed: SEED, numRuns: 2_000 },
  );
  t.pass('2000 generated pod specs');
});

t.test('warn mode admits and reports what enforce would deny', async (t) => {
  const spec = good() as any;
  spec.hostPID = true;
  spec.containers[0].securityContext.privileged = true;
  const input = {
    request: { uid: 'u', kind: { group: 'apps', version: 'v1', kind: 'Deployment' }, operation: 'CREATE', namespace: 'shop', name: 'web' },
    object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { template: { spec } } },
    oldObject: null,
  } as unknown as ValidationInput;
  const enforce = reviewPodSecurity(input, defaults);
  t.equal(enforce.verdict, 'denied');
  const warn = reviewPodSecurity(input, podSecuritySettings.parse({ mode: 'warn' }));
  t.equal(warn.verdict, 'allowed');
  t.same(warn.warnings, ['pod-security: hostPID: host-namespaces', 'pod-security: containers[0].securityContext.privileged (container "app"): privileged']);
  t.same(warn.auditAnnotations, { 'would-deny': 'host-namespaces,privileged' });
  for (const w of warn.warnings ?? []) t.ok(w.length <= 120);
});
