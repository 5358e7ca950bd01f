// The envelope's plain check says yes only where zod does, and then yields what
// zod would: run on real AdmissionReviews and on mutations of them.
import t, { type Test } from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { copyEnvelope, decodeReview, envelopeFits } from '../../src/admission/envelope.ts';
import { reviewSchema } from '../../src/admission/envelope-schema.ts';
import { MAX_UID_LENGTH } from '../../src/model/request.ts';

const REAL = new URL('../fixtures/real/', import.meta.url);
const reviews: [string, any][] = [
  ['pod-create-5k', JSON.parse(readFileSync(new URL('../fixtures/pod-create-5k.json', import.meta.url), 'utf8'))] as [string, any],
  ...readdirSync(REAL).filter((f) => f.endsWith('.json')).map((f): [string, any] => [f, JSON.parse(readFileSync(new URL(f, REAL), 'utf8'))]),
].filter(([, body]) => body?.kind === 'AdmissionReview');

/** The parsed envelope with absent and undefined fields alike (zod omits a missing key, the copy sets it undefined). */
const plain = (v: unknown) => JSON.parse(JSON.stringify(v));

function agree(t: Test, name: string, body: unknown): void {
  const zod = reviewSchema.safeParse(body);
  if (!envelopeFits(body)) return;
  t.ok(zod.success, `${name}: zod accepts what the plain check accepts`);
  if (zod.success) t.same(plain(copyEnvelope(body)), plain(zod.data), `${name}: the same parsed envelope`);
}

t.test('real reviews: the plain check says what zod says, and parses as zod parses', async (t) => {
  t.ok(reviews.length >= 10, `${reviews.length} reviews`);
  t.ok(envelopeFits(reviews[0]![1]), 'the 5 KB Pod fits');
  for (const [name, body] of reviews) {
    t.equal(envelopeFits(body), reviewSchema.safeParse(body).success, `${name}: the same answer`);
    if (!envelopeFits(body)) continue;
    agree(t, name, body);
    const copy = copyEnvelope(body);
    t.equal(copy.request.object, body.request.object ?? undefined, `${name}: the object is the one sent, not a copy`);
    t.not(copy.request.kind, body.request.kind, `${name}: kind is copied, as zod copies it`);
  }
});

const MUTATIONS: [string, (r: any) => void][] = [
  ['no uid', (r) => delete r.request.uid],
  ['empty uid', (r) => (r.request.uid = '')],
  ['uid too long', (r) => (r.request.uid = 'u'.repeat(MAX_UID_LENGTH + 1))],
  ['uid a number', (r) => (r.request.uid = 7)],
  ['apiVersion v2', (r) => (r.apiVersion = 'admission.k8s.io/v2')],
  ['kind List', (r) => (r.kind = 'List')],
  ['request null', (r) => (r.request = null)],
  ['request an array', (r) => (r.request = [])],
  ['empty version', (r) => (r.request.kind.version = '')],
  ['kind without group', (r) => delete r.request.kind.group],
  ['resource a string', (r) => (r.request.resource = 'pods')],
  ['empty resource', (r) => (r.request.resource.resource = '')],
  ['requestKind null', (r) => (r.request.requestKind = null)],
  ['requestResource without version', (r) => (r.request.requestResource = { group: '', resource: 'pods' })],
  ['subResource null', (r) => (r.request.subResource = null)],
  ['name a number', (r) => (r.request.name = 1)],
  ['namespace null', (r) => (r.request.namespace = null)],
  ['operation lower case', (r) => (r.request.operation = 'create')],
  ['userInfo null', (r) => (r.request.userInfo = null)],
  ['username a number', (r) => (r.request.userInfo = { username: 1 })],
  ['groups null', (r) => (r.request.userInfo = { username: 'a', groups: null })],
  ['groups with a number', (r) => (r.request.userInfo = { groups: ['a', 1] })],
  ['extra with null', (r) => (r.request.userInfo = { extra: { a: null, b: ['x'] } })],
  ['extra with a string', (r) => (r.request.userInfo = { extra: { a: 'x' } })],
  ['extra an array', (r) => (r.request.userInfo = { extra: [['x']] })],
  ['extra with __proto__', (r) => (r.request.userInfo = JSON.parse('{"extra":{"__proto__":["x"]}}'))],
  ['object an array', (r) => (r.request.object = [])],
  ['object a string', (r) => (r.request.object = 'x')],
  ['oldObject null', (r) => (r.request.oldObject = null)],
  ['dryRun a string', (r) => (r.request.dryRun = 'true')],
  ['dryRun null', (r) => (r.request.dryRun = null)],
  ['options null', (r) => (r.request.options = null)],
  ['options a number', (r) => (r.request.options = 1)],
  ['unknown fields', (r) => ((r.extraField = 1), (r.request.kind.extra = 'x'), (r.request.unknown = {}))],
];

t.test('on every mutation the plain check says yes only where zod does, with the same result', async (t) => {
  let refusedByBoth = 0;
  for (const [name, body] of reviews) {
    for (const [what, mutate] of MUTATIONS) {
      const mutated = structuredClone(body);
      mutate(mutated);
      agree(t, `${name} / ${what}`, mutated);
      if (!reviewSchema.safeParse(mutated).success) {
        t.notOk(envelopeFits(mutated), `${name} / ${what}: refused by both`);
        refusedByBoth++;
      }
    }
  }
  t.ok(refusedByBoth > 0);
});

t.test('a bad envelope is still explained by zod, with its paths', async (t) => {
  const [, body] = reviews[0]!;
  const bad = structuredClone(body);
  bad.request.uid = '';
  bad.request.kind.version = 3;
  t.throws(() => decodeReview(bad), { code: 'KADMIT_REVIEW_INVALID', issues: [{ path: 'request.uid' }, { path: 'request.kind.version' }] });
});
