// What a thread loads of the schema layer: the main thread (which builds a
// registry only to fail start-up on a bad CRD) loads no validator and no zod; a
// review worker loads the generated validators of the packages whose kinds it
// checks, and zod with the definitions only when an object must be explained.
// One file of its own: module loading is per process, and the hook sees only
// what is loaded after it is registered.
import t from 'tap';
import { registerHooks } from 'node:module';

const loaded: string[] = [];
registerHooks({
  resolve(specifier, context, next) {
    const r = next(specifier, context);
    loaded.push(r.url);
    return r;
  },
});

const validatorModules = () => [...new Set(loaded.filter((u) => u.includes('/schemas/generated/validators/')).map((u) => u.slice(u.lastIndexOf('/') + 1)))].sort();
const zodLoaded = () => loaded.some((u) => /\/node_modules\/zod\/|\/schemas\/(builders|bundle)\.ts$/.test(u));

const { loadSchemaRegistry } = await import('../../src/admission/schemas.ts');
const { POD, pod5k } = await import('./support.ts');

t.test('a registry without CRDs loads no validator and no zod until it checks', async (t) => {
  const registry = await loadSchemaRegistry([]);
  t.ok(registry.has(POD));
  t.same(validatorModules(), []);
  t.equal(zodLoaded(), false);
});

t.test('checking loads the packages of the kinds checked, and zod only for a no', async (t) => {
  const registry = await loadSchemaRegistry([]);
  t.same(registry.check(POD, pod5k()), { ok: true });
  t.same(validatorModules(), ['api.core.v1.ts', 'apimachinery.pkg.apis.meta.v1.ts'], 'a Pod: core/v1 and meta/v1');
  t.equal(zodLoaded(), false, 'a valid Pod loads no zod');
  t.same(registry.check({ group: 'apps', version: 'v1', kind: 'Deployment' }, { apiVersion: 'apps/v1', kind: 'Deployment' }), { ok: true });
  t.same(validatorModules(), ['api.apps.v1.ts', 'api.core.v1.ts', 'apimachinery.pkg.apis.meta.v1.ts'], 'a Deployment adds apps/v1');
  t.equal(zodLoaded(), false);
  const bad = pod5k();
  bad['spec'].containers[0].ports[0].containerPort = '8080';
  const r = registry.check(POD, bad);
  t.match(r, { ok: false, issues: [{ path: 'spec.containers[0].ports[0].containerPort', message: 'expected integer, got string' }] });
  t.equal(zodLoaded(), true, 'the no is explained by zod');
});
