import t from 'tap';
import { checkBounds, DEFAULT_BOUNDS } from '../../src/schemas/bounds.ts';
import { formatJsonPath } from '../../src/json-path.ts';
import { formatIssues, issue } from '../../src/schemas/issues.ts';

t.test('paths read like the manifest: dots, indexes, quoted odd keys', async (t) => {
  t.equal(formatJsonPath(['spec', 'containers', 0, 'ports', 0, 'containerPort']), 'spec.containers[0].ports[0].containerPort');
  t.equal(formatJsonPath(['metadata', 'labels', 'app.kubernetes.io/name']), 'metadata.labels["app.kubernetes.io/name"]');
  t.equal(formatJsonPath([0, 'a']), '[0].a');
  t.equal(formatJsonPath(['x-kubernetes-int-or-string']), 'x-kubernetes-int-or-string');
  t.equal(formatJsonPath(['$ref', 'with space']), '$ref["with space"]');
  t.equal(formatJsonPath([]), '');
});

t.test('formatIssues lists issues and stays within its bound', async (t) => {
  const one = issue('spec.containers[0].ports[0].containerPort', 'integer', 'string');
  t.equal(formatIssues([one]), 'spec.containers[0].ports[0].containerPort: expected integer, got string');
  t.equal(formatIssues([issue('', 'object', 'null')]), '(root): expected object, got null');
  const many = Array.from({ length: 50 }, (_, i) => issue(`spec.items[${i}].value`, 'integer', 'string'));
  for (const max of [0, 1, 10, 60, 100, 200, 1024, 5000]) {
    const s = formatIssues(many, max);
    t.ok(s.length <= max, `length ${s.length} <= ${max}`);
  }
  const s = formatIssues(many, 200);
  t.match(s, /^spec\.items\[0\]\.value: expected integer, got string; /);
  const shown = s.split('; ').filter((p) => p.startsWith('spec.')).length;
  t.match(s, new RegExp(`; and ${50 - shown} more$`), 'counts the issues left out');
  t.equal(formatIssues([]), '');
  t.equal(formatIssues(many, 100000).split('; ').length, 50, 'all fit when room allows');
});

t.test('checkBounds: depth and size limits without recursion', async (t) => {
  t.equal(checkBounds({ a: [1, { b: 'c' }] }), null);
  let deep: unknown = 'leaf';
  for (let i = 0; i < 200_000; i++) deep = [deep];
  const d = checkBounds(deep);
  t.ok(d !== null, 'a 200k-deep value is refused, not a stack overflow');
  t.match(d!.message, /nesting depth at most 128/);
  t.equal(checkBounds({ a: { b: { c: 1 } } }, { maxDepth: 3, maxNodes: 100 }), null, 'depth 3 is within maxDepth 3');
  t.not(checkBounds({ a: { b: { c: { d: 1 } } } }, { maxDepth: 3, maxNodes: 100 }), null);
  const wide = Array.from({ length: 200_001 }, () => 0);
  const w = checkBounds(wide);
  t.match(w?.message ?? '', /at most 200000 values/);
  t.equal(checkBounds(Array.from({ length: 99 }, () => 0), { maxDepth: 5, maxNodes: 100 }), null, '99 + the array = 100 values');
  t.not(checkBounds(Array.from({ length: 100 }, () => 0), { maxDepth: 5, maxNodes: 100 }), null);
  t.same(DEFAULT_BOUNDS, { maxDepth: 128, maxNodes: 200_000 });
});
