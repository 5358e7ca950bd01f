// Reading a body, scanned once it passes scanAbove: kept when it is within the
// limits (a large one in shared memory), dropped as it streams when it is not,
// refused when too large; a body up to scanAbove is kept unscanned.
import t from 'tap';
import { PassThrough } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { readBody } from '../../src/transport/body-reader.ts';
import { DEFAULT_JSON_LIMITS } from '../../src/admission/json-limits.ts';

function upload(chunks: string[], headers: Record<string, string> = {}): IncomingMessage {
  const stream = new PassThrough() as PassThrough & { headers: Record<string, string> };
  stream.headers = headers;
  stream.pause();
  setImmediate(() => {
    for (const c of chunks) stream.write(Buffer.from(c));
    stream.end();
  });
  return stream as unknown as IncomingMessage;
}

const options = { maxBodyBytes: 1000, limits: { ...DEFAULT_JSON_LIMITS, maxEntries: 3 }, scanAbove: 0 };
const body = '{"apiVersion":"admission.k8s.io/v1","request":{"uid":"r-1","object":[1,2,3]}}';

t.test('a body within the limits: the bytes and its head', async (t) => {
  for (const headers of [{ 'content-length': String(body.length) }, {}] as Record<string, string>[]) {
    let counted = 0;
    const got = await readBody(upload([body.slice(0, 20), body.slice(20)], headers), options, (n) => (counted += n));
    t.equal(Buffer.from(got.bytes).toString(), body);
    t.notOk(got.bytes.buffer instanceof SharedArrayBuffer, 'no sharedAbove: ordinary memory');
    t.equal(got.scan?.head.uid, 'r-1');
    t.equal(counted, body.length);
    t.ok(got.receivedAt <= Date.now());
  }
});

t.test('a body larger than sharedAbove is read into shared memory (a worker gets it without a copy), one up to it into ordinary memory', async (t) => {
  const sharedAbove = 32 * 1024;
  const [head, tail] = ['{"apiVersion":"admission.k8s.io/v1","request":{"uid":"r-2","object":"', '"}}'];
  const padded = (length: number) => `${head}${'x'.repeat(length - head.length - tail.length)}${tail}`;
  const large = { maxBodyBytes: 1 << 20, limits: DEFAULT_JSON_LIMITS, scanAbove: 0, sharedAbove };
  for (const [length, shared] of [[sharedAbove, false], [sharedAbove + 1, true]] as const) {
    const text = padded(length);
    t.equal(text.length, length);
    const got = await readBody(upload([text.slice(0, 16_000), text.slice(16_000)]), large);
    t.equal(Buffer.from(got.bytes).toString(), text);
    t.equal(got.bytes.buffer instanceof SharedArrayBuffer, shared, `${length} bytes: ${shared ? 'shared' : 'ordinary'} memory`);
  }
});

t.test('over the JSON limits: nothing kept, the rest read to the end, the problem reported', async (t) => {
  const over = '{"apiVersion":"admission.k8s.io/v1","request":{"uid":"r-2","object":[1,2,3,4]}}';
  const got = await readBody(upload([over.slice(0, 70), over.slice(70), ' '.repeat(300)]), options);
  t.equal(got.bytes.length, 0);
  t.match(got.scan, { head: { uid: 'r-2' }, problem: { limit: 'maxEntries' } });
});

t.test('a body up to scanAbove is kept unscanned; one that passes it is scanned from its first byte', async (t) => {
  const over = '{"apiVersion":"admission.k8s.io/v1","request":{"uid":"r-3","object":[1,2,3,4]}}';
  const small = await readBody(upload([over.slice(0, 40), over.slice(40)]), { ...options, scanAbove: over.length });
  t.equal(Buffer.from(small.bytes).toString(), over, 'kept whole, over the limits or not: the pipeline checks it once parsed');
  t.equal(small.scan, undefined);
  // Passed in the third chunk: the scan reads the first two as well (the uid and the array are in them).
  const padded = `${over}${' '.repeat(200)}`;
  const large = await readBody(upload([padded.slice(0, 40), padded.slice(40, 100), padded.slice(100)]), { ...options, scanAbove: 150 });
  t.equal(large.bytes.length, 0);
  t.match(large.scan, { head: { uid: 'r-3' }, problem: { limit: 'maxEntries' } });
  const within = `${body}${' '.repeat(200)}`;
  const scanned = await readBody(upload([within.slice(0, 40), within.slice(40, 100), within.slice(100)]), { ...options, scanAbove: 150 });
  t.equal(Buffer.from(scanned.bytes).toString(), within);
  t.match(scanned.scan, { head: { uid: 'r-1' } });
  t.equal(scanned.scan?.problem, undefined);
});

t.test('too large: refused at once when declared, as soon as passed when not', async (t) => {
  await t.rejects(readBody(upload(['x'], { 'content-length': '1001' }), options), { statusCode: 413, code: 'KADMIT_BODY_TOO_LARGE' });
  await t.rejects(readBody(upload(['x'.repeat(600), 'x'.repeat(600)]), options), { statusCode: 413, message: 'request body is larger than 1000 bytes' });
});

t.test('a broken upload is a 400', async (t) => {
  const stream = Object.assign(new PassThrough(), { headers: {} });
  setImmediate(() => stream.write('{"a":') && stream.destroy(new Error('aborted')));
  await t.rejects(readBody(stream as unknown as IncomingMessage, options), { statusCode: 400, code: 'KADMIT_BODY_BROKEN' });
});
