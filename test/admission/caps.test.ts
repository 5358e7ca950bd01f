// Caps on what a handler can make large: each is cut with a marker that says so,
// or, for a patch, answered by failurePolicy.
import t from 'tap';
import { truncate } from '../../src/truncate.ts';
import { sanitizeWarnings, MAX_WARNINGS_TOTAL, MAX_WARNINGS_READ } from '../../src/admission/warnings.ts';
import { checkAuditAnnotations, DROPPED_ANNOTATIONS_KEY, MAX_AUDIT_ANNOTATIONS, MAX_AUDIT_ANNOTATION_VALUE } from '../../src/admission/audit-annotations.ts';
import { checkPatchSize, MAX_PATCH_BYTES } from '../../src/admission/reply.ts';
import { decodeReview } from '../../src/admission/envelope.ts';
import { MAX_UID_LENGTH } from '../../src/model/request.ts';
import { review } from '../helpers/https-client.ts';

t.test('truncate keeps short text and marks a cut', async (t) => {
  t.equal(truncate('short', 10), 'short');
  const cut = truncate('x'.repeat(1000), 100);
  t.equal(cut.length, 100);
  t.match(cut, /^x+… \[truncated: 1000 characters in all\]$/);
  t.notMatch(truncate(`${'a'.repeat(60)}😀${'b'.repeat(100)}`, 100), /\uD83D(?!\uDE00)/, 'no lone surrogate at the cut');
});

t.test('warnings: the total is kept and the last one says how many were left out', async (t) => {
  const many = Array.from({ length: 100_000 }, (_, i) => `warning ${i}`);
  const out = sanitizeWarnings(many);
  t.ok(out.join('').length <= MAX_WARNINGS_TOTAL);
  t.match(out.at(-1), /^\d+ more warnings were not sent \(at most 4096 characters in all\)$/);
  const kept = out.length - 1;
  t.equal(Number(/^\d+/.exec(out.at(-1)!)![0]), many.length - kept, 'the count is exact');
  t.same(sanitizeWarnings(['a', 'b']), ['a', 'b'], 'no marker when nothing was cut');
  t.equal(sanitizeWarnings(Array.from({ length: MAX_WARNINGS_READ + 5 }, () => '')).at(-1), '5 more warnings were not sent (at most 4096 characters in all)', 'at most 1024 are read');
});

t.test('audit annotations: at most 64, values cut, a marker for the rest', async (t) => {
  const input = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`key-${i}`, 'v'.repeat(5_000)]));
  const { annotations, droppedCount } = checkAuditAnnotations({ 'bad key': 'x', ...input });
  t.equal(Object.keys(annotations).length, MAX_AUDIT_ANNOTATIONS);
  t.equal(annotations[DROPPED_ANNOTATIONS_KEY], `${100_000 - (MAX_AUDIT_ANNOTATIONS - 1)} audit annotations over the limit of 64 were dropped`);
  t.equal(annotations['key-0']!.length, MAX_AUDIT_ANNOTATION_VALUE);
  t.match(annotations['key-0'], /truncated: 5000 characters in all/);
  t.equal(droppedCount, 1 + 100_000 - (MAX_AUDIT_ANNOTATIONS - 1));
  const exactly = Object.fromEntries(Array.from({ length: MAX_AUDIT_ANNOTATIONS }, (_, i) => [`k${i}`, 'v']));
  t.same(checkAuditAnnotations(exactly).annotations, exactly, '64 fit without a marker');
});

t.test('a patch over 4 MiB is refused (the pipeline answers by failurePolicy)', async (t) => {
  const fits = 'A'.repeat((MAX_PATCH_BYTES / 3) * 4);
  t.equal(checkPatchSize(fits), fits);
  t.throws(() => checkPatchSize(`${fits}AAAA`), { code: 'KADMIT_PATCH_TOO_LARGE' });
});

t.test('a uid longer than 253 characters is an invalid review, not echoed', async (t) => {
  t.doesNotThrow(() => decodeReview(review({ uid: 'u'.repeat(MAX_UID_LENGTH) })));
  t.throws(() => decodeReview(review({ uid: 'u'.repeat(MAX_UID_LENGTH + 1) })), { message: /request\.uid/ });
});
