// Every rendered object validates against kadmit's own schemas of the pinned
// Kubernetes release (strict enums: nothing the release does not know).
import t from 'tap';
import { SchemaRegistry } from '../../src/schemas/registry.ts';
import { render } from './render-support.ts';

const registry = SchemaRegistry.builtin({ strictEnums: true });

function gvkOf(o: { apiVersion: string; kind: string }) {
  const slash = o.apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: o.apiVersion, kind: o.kind } : { group: o.apiVersion.slice(0, slash), version: o.apiVersion.slice(slash + 1), kind: o.kind };
}

for (const argv of [[], ['--webhook', 'builtin:guestbook', '--webhook', 'builtin:pod-defaults', '--replicas', '1', '--namespace', 'x']]) {
  t.test(`kadmit manifests ${argv.join(' ')}`, async (t) => {
    const { objects } = await render(argv);
    for (const o of objects) {
      const gvk = gvkOf(o);
      t.ok(registry.has(gvk), `${o.kind} has a schema`);
      const result = registry.check(gvk, o);
      t.ok(result.ok, `${o.kind} ${String(o.metadata.name)}: ${JSON.stringify(result)}`);
    }
  });
}

t.test('the check would catch a broken object', async (t) => {
  const { find } = await render();
  const d = structuredClone(find('Deployment'));
  d.spec.template.spec.containers[0].ports[0].containerPort = '8443';
  d.spec.strategy.type = 'Sometimes';
  const result = registry.check(gvkOf(d), d);
  t.equal(result.ok, false);
});
