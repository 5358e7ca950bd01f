import t from 'tap';
import { applyPatch } from '../../src/replay/apply-patch.ts';
import type { PatchOperation } from '../../src/admission/patch.ts';
import { KadmitError } from '../../src/errors.ts';

type Assert = Pick<typeof t, 'fail' | 'ok' | 'equal' | 'match'>;

function applyFails(t: Assert, doc: unknown, ops: unknown, message: string | RegExp, code = 'KADMIT_PATCH_APPLY'): void {
  try {
    applyPatch(doc, ops as PatchOperation[]);
    t.fail('expected applyPatch to throw');
  } catch (err) {
    t.ok(err instanceof KadmitError, 'a KadmitError');
    t.equal((err as KadmitError).code, code);
    t.match((err as Error).message, message);
  }
}

// The examples of RFC 6902 appendix A.
t.test('RFC 6902 appendix A', async (t) => {
  t.same(applyPatch({ foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }]), { baz: 'qux', foo: 'bar' }, 'A.1');
  t.same(applyPatch({ foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }]), { foo: ['bar', 'qux', 'baz'] }, 'A.2');
  t.same(applyPatch({ baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }]), { foo: 'bar' }, 'A.3');
  t.same(applyPatch({ foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }]), { foo: ['bar', 'baz'] }, 'A.4');
  t.same(applyPatch({ baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }]), { baz: 'boo', foo: 'bar' }, 'A.5');
  t.same(
    applyPatch({ foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } }, [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }]),
    { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    'A.6',
  );
  t.same(
    applyPatch({ foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }]),
    { foo: ['all', 'cows', 'eat', 'grass'] },
    'A.7',
  );
  const a8 = { baz: 'qux', foo: ['a', 2, 'c'] };
  t.same(applyPatch(a8, [{ op: 'test', path: '/baz', value: 'qux' }, { op: 'test', path: '/foo/1', value: 2 }]), a8, 'A.8');
  applyFails(t, { baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }], 'patch operation 0 (test /baz): test failed: expected "bar", found "qux"');
  t.same(applyPatch({ foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }]), { foo: 'bar', child: { grandchild: {} } }, 'A.10');
  t.same(applyPatch({ foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 } as PatchOperation]), { foo: 'bar', baz: 'qux' }, 'A.11');
  applyFails(t, { foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }], 'patch operation 0 (add /baz/bat): path /baz does not exist');
  const a14 = { '/': 9, '~1': 10 };
  t.same(applyPatch(a14, [{ op: 'test', path: '/~01', value: 10 }]), a14, 'A.14');
  applyFails(t, a14, [{ op: 'test', path: '/~01', value: '10' }], 'test failed');
  t.same(applyPatch({ foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }]), { foo: ['bar', ['abc', 'def']] }, 'A.16');
});

t.test('operations at the root and on arrays', async (t) => {
  t.same(applyPatch({ a: 1 }, [{ op: 'add', path: '', value: [1] }]), [1]);
  t.same(applyPatch({ a: 1 }, [{ op: 'replace', path: '', value: 'x' }]), 'x');
  t.same(applyPatch({ a: 1 }, [{ op: 'test', path: '', value: { a: 1 } }]), { a: 1 });
  t.same(applyPatch([1, 2], [{ op: 'add', path: '/2', value: 3 }]), [1, 2, 3], 'add at index == length appends');
  t.same(applyPatch([1, 2], [{ op: 'replace', path: '/0', value: 9 }]), [9, 2]);
  t.same(applyPatch({ a: [1, 2] }, [{ op: 'copy', from: '/a', path: '/b' }]), { a: [1, 2], b: [1, 2] });
  t.same(applyPatch({ a: 1 }, [{ op: 'move', from: '/a', path: '/a' }]), { a: 1 }, 'move onto itself is a no-op');
  t.same(applyPatch({ a: { b: 1 } }, [{ op: 'move', from: '/a', path: '/c' }]), { c: { b: 1 } });
  t.same(applyPatch({ a: 1 }, [{ op: 'add', path: '/a', value: 2 }]), { a: 2 }, 'add replaces an existing member');
  t.same(applyPatch({ '': 1 }, [{ op: 'replace', path: '/', value: 2 }]), { '': 2 }, 'the empty key');
  t.same(applyPatch({ a: { b: 1 } }, [{ op: 'test', path: '/a', value: { b: 1 } }, { op: 'test', path: '/a/b', value: 1.0 }]), { a: { b: 1 } });
});

t.test('neither the document nor the operations are mutated or aliased', async (t) => {
  const doc = { list: [{ a: 1 }], keep: { deep: [1] } };
  const value = { inner: [1] };
  const ops: PatchOperation[] = [
    { op: 'add', path: '/v', value },
    { op: 'add', path: '/v/inner/-', value: 2 },
    { op: 'replace', path: '/list/0/a', value: 2 },
    { op: 'copy', from: '/keep', path: '/copy' },
    { op: 'add', path: '/copy/deep/-', value: 2 },
  ];
  const docBefore = JSON.stringify(doc);
  const opsBefore = JSON.stringify(ops);
  const out = applyPatch(doc, ops) as typeof doc & { v: typeof value; copy: { deep: number[] } };
  t.same(out, { list: [{ a: 2 }], keep: { deep: [1] }, v: { inner: [1, 2] }, copy: { deep: [1, 2] } });
  t.equal(JSON.stringify(doc), docBefore, 'document unchanged');
  t.equal(JSON.stringify(ops), opsBefore, 'operations unchanged');
  t.not(out.keep, doc.keep, 'result shares nothing with the document');
  t.not(out.v, value, 'result shares nothing with the operations');
  out.keep.deep.push(3);
  t.same(doc.keep.deep, [1]);
});

t.test('failures name the operation index and path', async (t) => {
  const doc = { a: { b: 1 }, list: [1, 2, 3], s: 'str' };
  const fails = (ops: unknown, message: string | RegExp, code?: string) => applyFails(t, doc, ops, message, code);

  fails({ op: 'add' }, 'a patch must be an array of operations');
  fails([null], 'patch operation 0 (?): not an operation object');
  fails([{ op: 'test', path: '/s', value: 'str' }, { op: 'frobnicate', path: '/a' }], 'patch operation 1 (frobnicate /a): unknown op "frobnicate"');
  fails([{ path: '/a' }], 'patch operation 0 (undefined /a): unknown op undefined');
  fails([{ op: 'add', path: 5, value: 1 }], 'patch operation 0 (add 5): "path" must be a string');
  fails([{ op: 'add', path: 'a', value: 1 }], 'patch operation 0 (add a): malformed JSON pointer "a"');
  fails([{ op: 'add', path: '/a~2', value: 1 }], 'malformed JSON pointer "/a~2"');

  // add
  fails([{ op: 'add', path: '/x/y', value: 1 }], 'patch operation 0 (add /x/y): path /x does not exist');
  fails([{ op: 'add', path: '/list/4', value: 1 }], 'path /list/4: index 4 is out of bounds (length 3)');
  fails([{ op: 'add', path: '/list/x', value: 1 }], 'path /list/x: "x" is not an array index');
  fails([{ op: 'add', path: '/list/01', value: 1 }], '"01" is not an array index');
  fails([{ op: 'add', path: '/list/-1', value: 1 }], '"-1" is not an array index');
  fails([{ op: 'add', path: '/s/x', value: 1 }], 'path /s is not an object or array');
  fails([{ op: 'add', path: '/s/x/y', value: 1 }], 'path /s/x does not exist (its parent is not an object or array)');
  fails([{ op: 'add', path: '/n' }], 'patch operation 0 (add /n): missing "value"');
  fails([{ op: 'add', path: '/n', value: undefined }], 'missing "value"');
  fails([{ op: 'add', path: '/n', value: { f: () => 1 } }], 'patch operation 0 (add /n): "value" f is not JSON: function');
  fails([{ op: 'replace', path: '/a', value: [Number.NaN] }], '"value" [0] is not JSON: NaN');

  // remove
  fails([{ op: 'remove', path: '/a/c' }], 'patch operation 0 (remove /a/c): path /a/c does not exist');
  fails([{ op: 'remove', path: '/list/3' }], 'index 3 is out of bounds (length 3)');
  fails([{ op: 'remove', path: '/list/-' }], '"-" is not an array index');
  fails([{ op: 'remove', path: '' }], 'cannot remove the whole document');

  // replace
  fails([{ op: 'replace', path: '/a/c', value: 1 }], 'patch operation 0 (replace /a/c): path /a/c does not exist');
  fails([{ op: 'replace', path: '/list/3', value: 1 }], 'index 3 is out of bounds');
  fails([{ op: 'replace', path: '/list/-', value: 1 }], '"-" is not an array index');
  fails([{ op: 'replace', path: '/a' }], 'missing "value"');

  // move and copy
  fails([{ op: 'move', from: '/nope', path: '/a/x' }], 'patch operation 0 (move /a/x): from /nope does not exist');
  fails([{ op: 'move', path: '/a/x' }], '"from" must be a string');
  fails([{ op: 'move', from: '/a~', path: '/x' }], 'malformed JSON pointer in "from"');
  fails([{ op: 'move', from: '/a', path: '/a/b/c' }], 'cannot move a value into itself');
  fails([{ op: 'move', from: '', path: '/x' }], 'cannot move a value into itself');
  fails([{ op: 'move', from: '/list/0', path: '/list/3' }], 'path /list/3: index 3 is out of bounds (length 2)');
  fails([{ op: 'copy', from: '/list/9', path: '/x' }], 'patch operation 0 (copy /x): from /list/9: index 9 is out of bounds');
  fails([{ op: 'copy', from: '/a', path: '/nope/x' }], 'path /nope does not exist');

  // test
  fails([{ op: 'test', path: '/a', value: { b: 2 } }], 'patch operation 0 (test /a): test failed: expected {"b":2}, found {"b":1}');
  fails([{ op: 'test', path: '/list', value: [3, 2, 1] }], 'test failed');
  fails([{ op: 'test', path: '/a', value: { b: 1, c: 2 } }], 'test failed');
  fails([{ op: 'test', path: '/a/zz', value: 1 }], 'path /a/zz does not exist');
  fails([{ op: 'test', path: '/a' }], 'missing "value"');

  // the failing operation is reported, not the first
  fails(
    [{ op: 'add', path: '/x', value: 1 }, { op: 'remove', path: '/x' }, { op: 'remove', path: '/x' }],
    'patch operation 2 (remove /x): path /x does not exist',
  );
});

t.test('a document that is not JSON', async (t) => {
  applyFails(t, { a: [1, new Date(0)] }, [], 'a[1] is not JSON: a Date', 'KADMIT_PATCH_NOT_JSON');
});
