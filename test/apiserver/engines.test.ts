// The test API server's pure parts: JSON patch, merge patch, selectors.
import t from 'tap';
import fc from 'fast-check';
import { applyJsonPatch, decodeJsonPatch } from './json-patch.ts';
import type { Json } from './json.ts';
import { applyMergePatch } from './merge-patch.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';

const patch = (doc: Json, ops: unknown): Json => applyJsonPatch(doc, decodeJsonPatch(ops));

t.test('JSON patch: RFC 6902 behaviours', async (t) => {
  t.same(patch({ a: [1, 2] }, [{ op: 'add', path: '/a/1', value: 9 }]), { a: [1, 9, 2] }, 'insert into array');
  t.same(patch({ a: [1] }, [{ op: 'add', path: '/a/-', value: 2 }]), { a: [1, 2] }, 'append with -');
  t.same(patch({ 'a/b': 1, 'm~n': 2 }, [{ op: 'replace', path: '/a~1b', value: 3 }, { op: 'remove', path: '/m~0n' }]), { 'a/b': 3 }, '~1 and ~0 escapes');
  t.same(patch({ a: { b: 1 } }, [{ op: 'test', path: '/a', value: { b: 1 } }]), { a: { b: 1 } }, 'test compares deeply');
  t.same(patch({ a: 1 }, [{ op: 'test', path: '/missing', value: null }]), { a: 1 }, 'evanphx: a missing value tests equal to null');
  t.same(patch({ a: 1 }, [{ op: 'add', path: '', value: [1] }]), [1], 'replace the whole document');
  const doc = { a: [1, 2] };
  patch(doc, [{ op: 'remove', path: '/a/0' }]);
  t.same(doc, { a: [1, 2] }, 'the input is not modified');
  t.throws(() => patch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }]), { name: 'PatchApplyError', message: 'testing value /a failed: test failed' });
  t.throws(() => patch({ a: [1] }, [{ op: 'add', path: '/a/5', value: 2 }]), { name: 'PatchApplyError' });
  t.throws(() => patch({ a: 1 }, [{ op: 'remove', path: '/b' }]), { name: 'PatchApplyError' });
  t.throws(() => patch({ a: 1 }, [{ op: 'frobnicate', path: '/a' }]), { name: 'PatchApplyError' });
  t.throws(() => patch({ a: 1 }, [{ op: 'test', path: '/a', value: 1 }, { op: 'replace', path: '/x/y', value: 1 }]), { name: 'PatchApplyError' }, 'all or nothing');
  t.throws(() => decodeJsonPatch({ op: 'add' }));
});

t.test('JSON patch: add then test the same value always passes (property)', async (t) => {
  const key = fc.string({ minLength: 1, maxLength: 8 });
  fc.assert(
    fc.property(fc.dictionary(key, fc.jsonValue()), key, fc.jsonValue(), (doc, k, v) => {
      const p = `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      const out = patch(doc as Json, [{ op: 'add', path: p, value: v }, { op: 'test', path: p, value: v }]) as Record<string, unknown>;
      return JSON.stringify(out[k]) === JSON.stringify(v);
    }),
  );
  t.pass();
});

t.test('merge patch: RFC 7386 examples', async (t) => {
  t.same(applyMergePatch({ a: 'b' }, { a: 'c' }), { a: 'c' });
  t.same(applyMergePatch({ a: 'b' }, { b: 'c' }), { a: 'b', b: 'c' });
  t.same(applyMergePatch({ a: 'b' }, { a: null }), {});
  t.same(applyMergePatch({ a: [{ b: 'c' }] }, { a: [1] }), { a: [1] }, 'arrays replace');
  t.same(applyMergePatch(['a', 'b'], { a: 'c' }), { a: 'c' });
  t.same(applyMergePatch({ e: null }, { a: 1 }), { e: null, a: 1 });
  t.same(applyMergePatch({}, { a: { bb: { ccc: null } } }), { a: { bb: {} } });
});

t.test('label and field selectors', async (t) => {
  const obj = (labels: Record<string, string>, name = 'n', namespace = 'ns') => ({ metadata: { name, namespace, labels } });
  const m = parseLabelSelector('app=kadmit,tier in (a, b),!legacy,env!=prod,role');
  t.ok(m(obj({ app: 'kadmit', tier: 'a', role: 'x' })));
  t.notOk(m(obj({ app: 'kadmit', tier: 'c', role: 'x' })));
  t.notOk(m(obj({ app: 'kadmit', tier: 'a', role: 'x', legacy: '1' })));
  t.notOk(m(obj({ app: 'kadmit', tier: 'a', role: 'x', env: 'prod' })));
  t.notOk(m(obj({ app: 'kadmit', tier: 'a' })), 'existence');
  t.ok(parseLabelSelector('x notin (1)')(obj({})), 'notin matches a missing key');
  t.ok(parseLabelSelector('')(obj({})));
  t.throws(() => parseLabelSelector('a in b'));
  const f = parseFieldSelector('metadata.name=n,metadata.namespace!=kube-system');
  t.ok(f(obj({})));
  t.notOk(f(obj({}, 'm')));
  t.throws(() => parseFieldSelector('spec.x=1'));
});
