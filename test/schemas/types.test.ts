// Generated types, used the way a policy would. Type errors are caught by
// `npx tsc --noEmit` (the @ts-expect-error lines fail it if the types went loose);
// at run time the test checks a validated object reads as the types say.
import t from 'tap';
import { SchemaRegistry } from '../../src/schemas/registry.ts';
import type { BuiltinKinds, Container, Deployment, KindOf, Pod, Quantity } from '../../src/schemas/types.ts';
import { POD, pod5k } from './support.ts';

function portsOf(pod: Pod): number[] {
  // containers is required: an array after validation, never null.
  return pod.spec?.containers.flatMap((c: Container) => (c.ports ?? []).map((p) => p.containerPort)) ?? [];
}

function cpuLimit(c: Container): Quantity | undefined {
  return c.resources?.limits?.['cpu'];
}

t.test('a validated object reads as its generated type', async (t) => {
  const object: unknown = pod5k();
  const r = SchemaRegistry.builtin().check(POD, object);
  t.ok(r.ok);
  const pod = object as KindOf<'v1/Pod'>;
  t.same(portsOf(pod), [8080, 9090, 15001]);
  t.equal(cpuLimit(pod.spec!.containers[0]!), '1');
  const policy: 'Always' | 'IfNotPresent' | 'Never' | (string & {}) | null | undefined = pod.spec!.containers[0]!.imagePullPolicy;
  t.equal(policy, 'IfNotPresent');
});

t.test('types are strict where validation is', async (t) => {
  const d: Deployment = { apiVersion: 'apps/v1', kind: 'Deployment', spec: { selector: {}, template: {} } };
  // @ts-expect-error selector is required in DeploymentSpec
  const missing: Deployment = { spec: { template: {} } };
  // @ts-expect-error a containerPort is a number
  const port: BuiltinKinds['v1/Pod'] = { spec: { containers: [{ name: 'a', ports: [{ containerPort: '80' }] }] } };
  t.ok(d && missing && port);
});
