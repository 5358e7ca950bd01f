// The fixtures are objects the API server could send: every object and
// oldObject validates against kadmit's schemas (built-in kinds, and the
// Guestbook CRD from examples/crds), so the policies are tested on real shapes;
// the `*by-schema*` cases are the exception, and must not validate.
import t from 'tap';
import { fileURLToPath } from 'node:url';
import { SchemaRegistry } from '../../src/schemas/registry.ts';
import { loadCrdFiles } from '../../src/schemas/crd.ts';
import { readPolicyDirs } from './fixture-files.ts';

const crds = await loadCrdFiles([fileURLToPath(new URL('../../examples/crds/guestbook.yaml', import.meta.url))]);
const registry = SchemaRegistry.builtin().withCrds(crds);

for (const { policy, cases } of readPolicyDirs()) {
  t.test(policy, async (t) => {
    for (const c of cases) {
      const request = c.review.request;
      for (const field of ['object', 'oldObject'] as const) {
        if (request[field] === null) continue;
        const result = registry.check(request.kind, request[field]);
        if (c.file.includes('by-schema') && field === 'object') t.notOk(result.ok, `${c.file} object is meant to be invalid`);
        else t.ok(result.ok, `${c.file} ${field}: ${JSON.stringify(result)}`);
      }
    }
  });
}
