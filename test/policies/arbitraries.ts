// fast-check generators for pod specs as they might arrive unstructured: mostly
// plausible security settings, with nulls, wrong types and missing pieces mixed in.
import fc from 'fast-check';

const junk = fc.oneof(fc.constant(null), fc.constant('yes'), fc.integer({ min: -1, max: 2 }), fc.constant([]), fc.constant({}), fc.boolean());
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: arb }, { weight: 1, arbitrary: junk });

const capabilities = fc.record(
  {
    add: maybe(fc.array(fc.oneof(fc.constantFrom('NET_BIND_SERVICE', 'SYS_ADMIN', 'CAP_SYS_ADMIN', 'NET_RAW', 'ALL', 'chown'), junk), { maxLength: 3 })),
    drop: maybe(fc.array(fc.constantFrom('ALL', 'NET_RAW'), { maxLength: 2 })),
  },
  { requiredKeys: [] },
);

const seccompProfile = maybe(fc.record({ type: maybe(fc.constantFrom('RuntimeDefault', 'Unconfined', 'Localhost')) }, { requiredKeys: [] }));

export const securityContext = maybe(
  fc.record(
    {
      privileged: maybe(fc.boolean()),
      allowPrivilegeEscalation: maybe(fc.boolean()),
      runAsNonRoot: maybe(fc.boolean()),
      runAsUser: maybe(fc.constantFrom(0, 1000, 65532)),
      capabilities: maybe(capabilities),
      seccompProfile,
    },
    { requiredKeys: [] },
  ),
);

const container = fc.record(
  {
    name: maybe(fc.constantFrom('app', 'side', 'init', 'debug')),
    image: maybe(fc.constantFrom('nginx', 'nginx:1.27', 'ghcr.io/a/b@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31', 'UPPER/case', '')),
    securityContext,
    ports: maybe(fc.array(maybe(fc.record({ containerPort: fc.constant(80), hostPort: maybe(fc.constantFrom(0, 80, '80')) }, { requiredKeys: [] })), { maxLength: 2 })),
    resources: maybe(fc.record({ limits: maybe(fc.record({ memory: maybe(fc.constantFrom('128Mi', '', 0, 64)) }, { requiredKeys: [] })) }, { requiredKeys: [] })),
  },
  { requiredKeys: [] },
);

const containers = maybe(fc.array(maybe(container), { maxLength: 3 }));

export const podSpec = fc.record(
  {
    securityContext: maybe(fc.record({ runAsNonRoot: maybe(fc.boolean()), runAsUser: maybe(fc.constantFrom(0, 1000)), seccompProfile }, { requiredKeys: [] })),
    hostNetwork: maybe(fc.boolean()),
    volumes: maybe(fc.array(maybe(fc.record({ name: fc.constant('v'), hostPath: maybe(fc.record({ path: fc.constant('/') })) }, { requiredKeys: ['name'] })), { maxLength: 2 })),
    os: maybe(fc.record({ name: fc.constantFrom('linux', 'windows') })),
    containers,
    initContainers: containers,
    ephemeralContainers: containers,
  },
  { requiredKeys: [] },
);

/** Every set (non-null) leaf of a JSON value, as [pointer, value]. */
export function setLeaves(value: unknown, path = ''): [string, unknown][] {
  if (value === null || value === undefined) return [];
  if (typeof value !== 'object') return [[path, value]];
  if (Array.isArray(value)) {
    // Its length counts as a leaf: no item may be added or removed.
    return [[`${path}/length`, value.length], ...value.flatMap((v, i) => setLeaves(v, `${path}/${i}`))];
  }
  return Object.entries(value).flatMap(([k, v]) => setLeaves(v, `${path}/${k}`));
}

export function at(value: unknown, pointer: string): unknown {
  let current: any = value;
  for (const part of pointer.split('/').slice(1)) current = current?.[part];
  return current;
}
