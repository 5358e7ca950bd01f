import t from 'tap';
import { editBundle, bundleFingerprints } from '../../src/certs/bundle.ts';
import { caEntry, decodeCaState, encodeCaState, mergeCaStateInto } from '../../src/certs/ca-state.ts';
import type { CaState } from '../../src/certs/ca-state.ts';
import { issueCa } from '../../src/certs/issue.ts';
import { joinPem } from '../../src/certs/pem.ts';

const MIN = 60_000;
const now = new Date();
const mk = (life = 60 * MIN, commonName?: string) => issueCa({ lifetimeMs: life, backdateMs: MIN, now, ...(commonName && { commonName }) });
const [a, b, c, foreign] = await Promise.all([mk(), mk(), mk(), mk(60 * MIN, 'other-ca')]);
const opts = { now, adoptRetiredForMs: 10 * MIN };

t.test('encode/decode round trip', async (t) => {
  const state: CaState = {
    current: caEntry(a!),
    next: { ...caEntry(b!), publishedAt: new Date(now.getTime() - 1000) },
    retired: [{ ...(({ cert, fingerprint, notAfter }) => ({ cert, fingerprint, notAfter }))(caEntry(c!)), dropAfter: new Date(now.getTime() + MIN) }],
    dropped: [{ fingerprint: 'AA:BB', notAfter: new Date(now.getTime() + 5 * MIN) }],
  };
  const data = encodeCaState(state);
  t.same(Object.keys(data).sort(), ['ca.crt', 'ca.key', 'next-ca.crt', 'next-ca.key', 'rotation.json']);
  t.same(bundleFingerprints(data['ca.crt']!), [state.current!.fingerprint, state.next!.fingerprint, state.retired[0]!.fingerprint]);
  const back = decodeCaState(data, opts);
  t.same(back.problems, []);
  t.same(back.state, state);
  t.same(encodeCaState(back.state), data, 'stable encoding');
});

t.test('foreign keys of the document are kept', async (t) => {
  const merged = mergeCaStateInto({ 'next-ca.crt': 'stale', note: 'mine' }, { current: caEntry(a!), retired: [], dropped: [] });
  t.equal(merged['note'], 'mine');
  t.notOk('next-ca.crt' in merged, 'our absent keys are removed');
});

t.test('damage is reported, never thrown; published CAs stay trusted', async (t) => {
  const good = encodeCaState({ current: caEntry(a!), retired: [], dropped: [] });
  const cases: Array<[string, Record<string, string>]> = [
    ['key of another CA', { ...good, 'ca.key': b!.key }],
    ['garbage key', { ...good, 'ca.key': 'x' }],
    ['missing key', { 'ca.crt': good['ca.crt']! }],
    ['rotation.json not JSON', { ...good, 'rotation.json': '{' }],
    ['rotation.json wrong shape', { ...good, 'rotation.json': '{"v":2}' }],
    ['half a next CA', { ...good, 'next-ca.crt': b!.cert }],
    ['next equals current', { ...good, 'next-ca.crt': a!.cert, 'next-ca.key': a!.key }],
    ['unparseable bundle entry', { ...good, 'ca.crt': `${good['ca.crt']}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n` }],
  ];
  for (const [name, data] of cases) {
    const d = decodeCaState(data, opts);
    t.ok(d.problems.length > 0, `${name}: reported (${d.problems.join('; ')})`);
    const trusted = [d.state.current, d.state.next, ...d.state.retired].filter(Boolean).map((x) => x!.fingerprint);
    if (!/rotation|next|unparseable/.test(name)) t.same(trusted, [caEntry(a!).fingerprint], `${name}: the CA stays trusted (as retired)`);
  }
  t.same(decodeCaState({}, opts), { state: { retired: [], dropped: [] }, problems: [] }, 'empty is not damage');
});

t.test('caBundle edits merge, dedupe and drop only what is ours', async (t) => {
  const A = caEntry(a!), B = caEntry(b!), F = caEntry(foreign!);
  const garbage = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
  t.equal(editBundle(joinPem([A.cert]), { trusted: [A], dropped: new Set(), now }), undefined, 'nothing to do');
  const added = editBundle(joinPem([F.cert, garbage]), { trusted: [A, B], dropped: new Set(), now })!;
  t.same(bundleFingerprints(added), [F.fingerprint, A.fingerprint, B.fingerprint], 'appended after what was there');
  t.ok(added.includes('AAAA'), 'an unparseable foreign block is left alone');
  const deduped = editBundle(joinPem([A.cert, A.cert, F.cert]), { trusted: [A], dropped: new Set(), now })!;
  t.same(bundleFingerprints(deduped), [A.fingerprint, F.fingerprint]);
  const dropped = editBundle(joinPem([A.cert, B.cert, F.cert]), { trusted: [B], dropped: new Set([A.fingerprint]), now })!;
  t.same(bundleFingerprints(dropped), [B.fingerprint, F.fingerprint]);
  const later = new Date(now.getTime() + 61 * MIN);
  const expired = editBundle(joinPem([A.cert, F.cert]), { trusted: [], dropped: new Set(), now: later })!;
  t.same(bundleFingerprints(expired), [F.fingerprint], 'our expired CA goes, a foreign expired one stays');
});
