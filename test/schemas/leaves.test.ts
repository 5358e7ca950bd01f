import t from 'tap';
import * as leaves from '../../src/schemas/leaves.ts';
import { isBase64 } from '../../src/string-formats.ts';

t.test('quantity follows the apimachinery grammar and accepts JSON numbers', async (t) => {
  const good = ['0', '1', '100m', '0.5', '.5', '1.', '+1', '-1', '1Ki', '1.5Gi', '128Mi', '2Ei', '1n', '1u', '1k', '1M', '1G', '1T', '1P', '1E', '1e3', '1E-3', '1e+3', ' 1Gi ', '12e6'];
  for (const q of good) t.ok(leaves.isQuantity(q), `${JSON.stringify(q)} is a quantity`);
  const bad = ['', 'abc', '1.5 cores', '1KB', '1ki', '1K', 'Gi', '1Gi1', '--1', '1.2.3', '1e', '1e1.5', '0x10', '1 Gi', 'NaN', '∞'];
  for (const q of bad) t.notOk(leaves.isQuantity(q), `${JSON.stringify(q)} is not a quantity`);
  for (const n of [0, 1, 0.25, -3, 1e21]) t.ok(leaves.isQuantity(n), `${n} is a quantity`);
  for (const v of [null, true, {}, [], Number.NaN, Infinity]) t.notOk(leaves.isQuantity(v), `${String(v)} is not a quantity`);
});

t.test('int32 and int64 are integers within range', async (t) => {
  t.ok(leaves.int32.test(leaves.INT32_MAX));
  t.ok(leaves.int32.test(leaves.INT32_MIN));
  t.notOk(leaves.int32.test(leaves.INT32_MAX + 1));
  t.notOk(leaves.int32.test(leaves.INT32_MIN - 1));
  t.notOk(leaves.int32.test(1.5));
  t.notOk(leaves.int32.test('80'));
  t.equal(leaves.int32.expected('80'), 'integer');
  t.equal(leaves.int32.expected(3_000_000_000), 'integer in int32 range');
  t.ok(leaves.int64.test(2 ** 53));
  t.ok(leaves.int64.test(JSON.parse('9223372036854775807')), 'max int64 as JSON.parse rounds it');
  t.notOk(leaves.int64.test(2 ** 64));
  t.notOk(leaves.int64.test(0.1));
});

t.test('int-or-string is a string or an int32', async (t) => {
  for (const v of ['http', '80', '', 8080, 0, -1]) t.ok(leaves.intOrString.test(v), JSON.stringify(v));
  for (const v of [80.5, 2 ** 31, null, true, {}, []]) t.notOk(leaves.intOrString.test(v), JSON.stringify(v));
});

t.test('date-time is RFC 3339 as Go parses it; null is a zero Time', async (t) => {
  const good = ['2026-11-20T10:00:01Z', '2026-11-20T10:00:01.123Z', '2026-11-20T10:00:01+05:30', '2024-02-29T23:59:59-00:00'];
  for (const v of good) t.ok(leaves.dateTime.test(v), v);
  t.ok(leaves.dateTime.test(null));
  const bad = ['2026-11-20', '2026-11-20 10:00:01Z', '2026-11-20T10:00:01', '2026-13-01T00:00:00Z', '2025-02-29T00:00:00Z', '2026-04-31T00:00:00Z', '2026-11-20T24:00:00Z', '2026-11-20T10:60:00Z', '2026-11-20T10:00:60Z', '2026-11-20t10:00:01z', 'None', '2026-11-20T10:00:01+25:00'];
  for (const v of bad) t.notOk(leaves.dateTime.test(v), v);
  t.notOk(leaves.dateTime.test(1700000000));
  t.ok(leaves.microTime.test('2026-11-20T10:00:01.000000Z'));
  t.notOk(leaves.microTime.test('2026-11-20T10:00:01Z'), 'MicroTime needs six fractional digits');
  t.notOk(leaves.microTime.test('2026-11-20T10:00:01.123Z'));
});

t.test('byte is padded standard base64; line breaks are skipped as Go does', async (t) => {
  for (const v of ['', 'YQ==', 'YWI=', 'YWJj', 'aGVsbG8gd29ybGQ=', 'YWJj\nZGVm', 'a+/b']) t.ok(isBase64(v), JSON.stringify(v));
  for (const v of ['YQ', 'YQ=', 'Y===', 'a-_b', 'hello world', '!!!!', 'YWJj=']) t.notOk(isBase64(v), JSON.stringify(v));
  t.equal(leaves.describeReceived('c2VjcmV0!', leaves.base64), 'string of 9 characters (not shown)', 'never echoes possible Secret data');
});

t.test('received values: type when the type is wrong, else the value, shortened', async (t) => {
  t.equal(leaves.describeReceived('80', leaves.int32), 'string');
  t.equal(leaves.describeReceived(3_000_000_000, leaves.int32), '3000000000');
  t.equal(leaves.describeReceived(undefined, leaves.int32), 'missing');
  t.equal(leaves.describeReceived('1.5 cores', leaves.quantity), '"1.5 cores"');
  t.equal(leaves.describeReceived('x'.repeat(100), leaves.quantity), JSON.stringify(`${'x'.repeat(40)}…`));
  t.equal(leaves.jsonTypeOf([]), 'array');
  t.equal(leaves.jsonTypeOf(1.5), 'number');
  t.equal(leaves.jsonTypeOf(1), 'integer');
});
