// The kind -> resource table (plural and scope) that webhooks derive their rules
// from, checked against the pinned Kubernetes API document: every built-in kind
// served at a collection path has exactly that plural and scope. A newer release
// with a new kind fails here until the table knows it.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { resourceFor } from '../../src/schemas/resources.ts';
import { gvkKey } from '../../src/schemas/gvk.ts';

interface Operation {
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string };
}
const swagger = JSON.parse(readFileSync(new URL('../../schemas/kubernetes/v1.36/swagger.json', import.meta.url), 'utf8')) as {
  paths: Record<string, Record<string, Operation>>;
};

// /api/v1/pods, /api/v1/namespaces/{namespace}/pods, /apis/apps/v1/deployments/{name}: the
// resource is the segment after the version (and namespace); a longer path is a subresource.
const COLLECTION = /^\/(?:api|apis\/[^/]+)\/[^/]+\/(namespaces\/\{namespace\}\/)?([a-z0-9]+)(?:\/\{name\})?$/;

t.test('every built-in resource kind has its plural and scope from the API document', async (t) => {
  const served = new Map<string, { resource: string; namespaced: boolean; kind: string }>();
  for (const [path, operations] of Object.entries(swagger.paths)) {
    const m = COLLECTION.exec(path);
    if (m === null) continue;
    for (const op of Object.values(operations)) {
      const gvk = op['x-kubernetes-group-version-kind'];
      if (gvk === undefined) continue;
      const key = gvkKey(gvk);
      // A namespaced kind is also listed across namespaces (/api/v1/pods): namespaced wins.
      const namespaced = m[1] !== undefined || served.get(key)?.namespaced === true;
      served.set(key, { resource: m[2]!, namespaced, kind: gvk.kind });
    }
  }
  t.ok(served.size > 90, `${served.size} kinds served as resources`);
  for (const [key, want] of served) {
    const got = resourceFor(want.kind);
    t.same({ resource: got.resource, namespaced: got.namespaced }, { resource: want.resource, namespaced: want.namespaced }, key);
  }
});
