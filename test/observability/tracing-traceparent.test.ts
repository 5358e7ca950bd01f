// The W3C traceparent and tracestate headers, parsed strictly: anything
// malformed is ignored (the review starts its own trace), and nothing throws.
import t from 'tap';
import fc from 'fast-check';
import { parseTraceparent, parseTracestate } from '../../src/observability/tracing/traceparent.ts';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

t.test('a valid version 00 header', async (t) => {
  t.same(parseTraceparent(`00-${TRACE}-${SPAN}-01`), { traceId: TRACE, spanId: SPAN, flags: 1 });
  t.same(parseTraceparent(`00-${TRACE}-${SPAN}-00`), { traceId: TRACE, spanId: SPAN, flags: 0 }, 'not sampled');
  t.same(parseTraceparent(` 00-${TRACE}-${SPAN}-03 `), { traceId: TRACE, spanId: SPAN, flags: 3 }, 'surrounding spaces; other flag bits kept');
  t.same(parseTraceparent(`00-${TRACE}-${SPAN}-01`, 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7'), { traceId: TRACE, spanId: SPAN, flags: 1, state: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7' });
});

t.test('a later version: its first four fields are read, what follows a dash is ignored', async (t) => {
  t.same(parseTraceparent(`01-${TRACE}-${SPAN}-01`), { traceId: TRACE, spanId: SPAN, flags: 1 });
  t.same(parseTraceparent(`cc-${TRACE}-${SPAN}-01-what-comes-next`), { traceId: TRACE, spanId: SPAN, flags: 1 });
  t.equal(parseTraceparent(`cc-${TRACE}-${SPAN}-01x`), undefined, 'no dash after the flags');
});

t.test('malformed headers are ignored', async (t) => {
  const bad: unknown[] = [
    undefined,
    '',
    ['a', 'b'],
    42,
    `00-${TRACE}-${SPAN}-01-extra`, // version 00 has exactly four fields
    `ff-${TRACE}-${SPAN}-01`, // version ff is invalid
    `00-${TRACE.toUpperCase()}-${SPAN}-01`, // upper-case hex
    `00-${'0'.repeat(32)}-${SPAN}-01`, // all-zero trace id
    `00-${TRACE}-${'0'.repeat(16)}-01`, // all-zero span id
    `00-${TRACE.slice(1)}-${SPAN}-01`,
    `00-${TRACE}-${SPAN}-1`,
    `00_${TRACE}_${SPAN}_01`,
    `00-${TRACE}-${SPAN}-01, 00-${TRACE}-${SPAN}-01`, // a repeated header, joined
    `0-${TRACE}-${SPAN}-01`,
    `00-${TRACE}-${SPAN}-zz`,
    `cc-${TRACE}-${SPAN}-01-${'x'.repeat(1000)}`, // far too long to parse
  ];
  for (const header of bad) t.equal(parseTraceparent(header), undefined, JSON.stringify(header)?.slice(0, 60));
});

t.test('tracestate: kept only when every member is well formed', async (t) => {
  t.equal(parseTracestate('vendor=value'), 'vendor=value');
  t.equal(parseTracestate(' a=1 , b@tenant=2 '), 'a=1,b@tenant=2', 'spaces around members dropped');
  for (const bad of ['', 'novalue', 'UPPER=1', 'a=1,a=2', 'a=has=equals', `a=${'v'.repeat(300)}`, Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(','), 'a=1'.padEnd(600, ' ')]) {
    t.equal(parseTracestate(bad), undefined, JSON.stringify(bad).slice(0, 40));
  }
  t.same(parseTraceparent(`00-${TRACE}-${SPAN}-01`, 'BAD'), { traceId: TRACE, spanId: SPAN, flags: 1 }, 'a bad tracestate does not spoil the traceparent');
});

t.test('any string: never throws; what it accepts round-trips', async () => {
  fc.assert(fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 80 }), (header, state) => {
    const parsed = parseTraceparent(header, state);
    if (parsed === undefined) return;
    if (!/^[0-9a-f]{32}$/.test(parsed.traceId) || !/^[0-9a-f]{16}$/.test(parsed.spanId)) throw new Error(`accepted ${header}`);
  }));
  fc.assert(fc.property(fc.stringMatching(/^[0-9a-f]{32}$/), fc.stringMatching(/^[0-9a-f]{16}$/), fc.integer({ min: 0, max: 255 }), (trace, span, flags) => {
    const header = `00-${trace}-${span}-${flags.toString(16).padStart(2, '0')}`;
    const parsed = parseTraceparent(header);
    const zero = /^0+$/.test(trace) || /^0+$/.test(span);
    if (zero ? parsed !== undefined : parsed?.traceId !== trace || parsed.spanId !== span || parsed.flags !== flags) throw new Error(`mis-parsed ${header}`);
  }));
});
