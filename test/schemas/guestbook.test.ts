// The worked CRD example: examples/crds/guestbook.yaml and the reviews in
// test/fixtures/guestbook/ with their recorded outcomes (expected.json).
import t from 'tap';
import { readdirSync } from 'node:fs';
import { loadCrdFiles } from '../../src/schemas/crd.ts';
import { SchemaRegistry, formatIssues } from '../../src/schemas/registry.ts';
import { deepFreeze, readJson, root } from './support.ts';

const GUESTBOOK = { group: 'webapp.example.com', version: 'v1', kind: 'Guestbook' };
const registry = SchemaRegistry.builtin().withCrds(await loadCrdFiles([new URL('examples/crds/guestbook.yaml', root).pathname]));
const expected = readJson('test/fixtures/guestbook/expected.json') as Record<string, Record<string, string>>;
const files = readdirSync(new URL('test/fixtures/guestbook/', root)).filter((f) => f.endsWith('.json') && f !== 'expected.json').sort();

t.test('the Guestbook CRD loads and adds exactly its one served version', async (t) => {
  t.ok(registry.has(GUESTBOOK));
  t.notOk(SchemaRegistry.builtin().has(GUESTBOOK));
  t.equal(registry.keys().length, SchemaRegistry.builtin().keys().length + 1);
});

t.test('every fixture has a recorded outcome', async (t) => {
  t.same(files, Object.keys(expected).sort());
});

for (const file of files) {
  t.test(file, async (t) => {
    const review = deepFreeze(readJson(`test/fixtures/guestbook/${file}`) as { request: Record<string, any> });
    const text = JSON.stringify(review);
    const seen: Record<string, string> = {};
    for (const key of ['object', 'oldObject']) {
      const value = review.request[key];
      if (value === null || value === undefined) continue;
      // As the admission pipeline asks: rules judge the object, with oldObject as oldSelf on UPDATE.
      const options = key === 'object' ? { oldObject: review.request['operation'] === 'UPDATE' ? review.request['oldObject'] : undefined } : { rules: false };
      const r = registry.check(review.request['kind'], value, options);
      seen[key] = r.ok ? 'ok' : formatIssues(r.issues, 4096);
    }
    t.same(seen, expected[file]);
    t.equal(JSON.stringify(review), text, 'the review is unchanged');
  });
}
