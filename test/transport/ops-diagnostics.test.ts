// Diagnostics on the ops listener: event-loop metrics per thread, CPU profiles
// that Chrome DevTools opens, heap snapshots, one at a time and bounded.
import t from 'tap';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import pino from 'pino';
import { Registry } from 'prom-client';
import { startTestServer } from '../helpers/server.ts';
import { createOpsServer } from '../../src/transport/ops-server.ts';
import { diagnosticsRoutes } from '../../src/transport/ops-diagnostics.ts';
import type { DiagnosableThread } from '../../src/observability/threads.ts';

interface Answer {
  status: number;
  text: string;
  headers: Record<string, string | string[] | undefined>;
  complete: boolean;
}

function get(port: number, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      const done = () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers, complete: res.complete });
      res.on('end', done);
      res.on('error', done);
      res.on('aborted', done);
    }).on('error', reject).end();
  });
}

t.test('with two workers', async (t) => {
  const server = await startTestServer({ workers: 2, webhooks: ['builtin:require-memory-limits'] });
  t.teardown(() => server.close());
  const metrics = () => get(server.opsPort, '/metrics').then((a) => a.text);
  // The second worker boots behind the first; wait (bounded) until it is in /metrics.
  let text = await metrics();
  for (let i = 0; i < 100 && !text.includes('thread="worker-1"'); i++) {
    await new Promise((r) => setTimeout(r, 100));
    text = await metrics();
  }

  t.test('event-loop utilisation and delay per thread', async (t) => {
    await new Promise((r) => setTimeout(r, 100)); // some delay samples since the last scrape
    const text = await metrics();
    for (const thread of ['main', 'worker-0', 'worker-1']) {
      const utilization = text.match(new RegExp(`^kadmit_event_loop_utilization\\{thread="${thread}"\\} (\\S+)$`, 'm'));
      t.ok(utilization, `utilisation of ${thread}`);
      const value = Number(utilization?.[1]);
      t.ok(value >= 0 && value <= 1, `${thread}: ${value} is within 0..1`);
    }
    for (const thread of ['main', 'worker-0']) {
      t.match(text, new RegExp(`^kadmit_event_loop_delay_seconds\\{thread="${thread}",quantile="0.99"\\} \\d`, 'm'), `delay of ${thread}`);
    }
    t.notMatch(text, /thread="worker-2"/, 'labels bounded by the pool size');
  });

  t.test('a 1 s CPU profile of the main thread; a second one meanwhile gets 409', async (t) => {
    const first = get(server.opsPort, '/debug/profile?seconds=1');
    await new Promise((r) => setTimeout(r, 100));
    const second = await get(server.opsPort, '/debug/profile?seconds=1&thread=worker-0');
    t.equal(second.status, 409);
    t.match(second.text, /already/);
    const answer = await first;
    t.equal(answer.status, 200);
    t.match(answer.headers['content-disposition'], /filename="kadmit-main-.*\.cpuprofile"/);
    const profile = JSON.parse(answer.text) as { nodes: unknown[]; startTime: number; endTime: number };
    t.ok(Array.isArray(profile.nodes) && profile.nodes.length > 0, 'nodes');
    t.ok(profile.endTime - profile.startTime >= 900_000, 'about a second long (microseconds)');
  });

  t.test('a worker profile', async (t) => {
    const answer = await get(server.opsPort, '/debug/profile?seconds=1&thread=worker-1');
    t.equal(answer.status, 200);
    const profile = JSON.parse(answer.text) as { nodes: unknown[]; startTime: number; endTime: number };
    t.ok(profile.nodes.length > 0 && profile.endTime > profile.startTime);
  });

  t.test('bad seconds or thread get 400 naming them', async (t) => {
    for (const seconds of ['0', '61', 'abc', '1.5', '']) {
      const answer = await get(server.opsPort, `/debug/profile?seconds=${seconds}`);
      t.equal(answer.status, 400, `seconds=${seconds}`);
      t.match(answer.text, /^seconds must be a whole number from 1 to 60/);
    }
    const answer = await get(server.opsPort, '/debug/profile?thread=worker-9');
    t.equal(answer.status, 400);
    t.match(answer.text, /^thread must be one of main, worker-0, worker-1 \(got "worker-9"\)/);
    t.equal((await get(server.opsPort, '/debug/heapsnapshot?thread=nope')).status, 400);
  });

  t.test('a worker heap snapshot', async (t) => {
    const answer = await get(server.opsPort, '/debug/heapsnapshot?thread=worker-0');
    t.equal(answer.status, 200);
    t.match(answer.headers['content-disposition'], /\.heapsnapshot"/);
    t.ok(answer.complete, 'sent whole');
    // DevTools reads the snapshot's own header; the whole file is tens of MB, not parsed here.
    t.match(answer.text.slice(0, 200), /^\{"snapshot":\{"meta":\{"node_fields":/);
    t.equal(answer.text.trimEnd().at(-1), '}');
  });
});

/** An ops listener whose only thread, `worker-0`, takes heap snapshots as `heapSnapshot` says. */
async function opsWithSnapshots(t: { teardown(fn: () => unknown): void }, heapSnapshot: () => Promise<Readable>, heapSnapshotMaxBytes?: number): Promise<number> {
  const thread: DiagnosableThread = {
    label: 'worker-0',
    threadId: 1,
    eventLoopUtilization: () => ({ idle: 0, active: 0, utilization: 0 }),
    eventLoopDelay: async () => undefined,
    startCpuProfile: () => Promise.reject(new Error('not used')),
    heapSnapshot,
  };
  const log = pino({ level: 'silent' });
  const ops = createOpsServer({
    registry: new Registry(),
    notReadyReason: () => undefined,
    debugRoutes: diagnosticsRoutes({ threads: () => [thread], log, ...(heapSnapshotMaxBytes !== undefined && { heapSnapshotMaxBytes }) }),
    log,
  });
  const { port } = await ops.listen('127.0.0.1', 0);
  t.teardown(() => ops.close());
  return port;
}

t.test('a heap snapshot past the size cap is cut off; one at a time', async (t) => {
  let release = () => {};
  const held = new Promise<void>((r) => (release = r));
  const port = await opsWithSnapshots(t, async () => {
    await held;
    return Readable.from(Array.from({ length: 50 }, () => Buffer.alloc(1000, 'x')));
  }, 10_000);
  const first = get(port, '/debug/heapsnapshot?thread=worker-0');
  await new Promise((r) => setTimeout(r, 50));
  t.equal((await get(port, '/debug/heapsnapshot?thread=worker-0')).status, 409);
  release();
  const cut = await first;
  t.equal(cut.status, 200);
  t.notOk(cut.complete, 'the transfer is cut, not ended as if whole');
  t.ok(cut.text.length <= 10_000, `${cut.text.length} bytes arrived`);
});

t.test('a snapshot the thread cannot take gets 503, and the next one may run', async (t) => {
  let attempts = 0;
  const port = await opsWithSnapshots(t, () => (++attempts === 1 ? Promise.reject(new Error('Worker is not running')) : Promise.resolve(Readable.from(['{}']))));
  const failed = await get(port, '/debug/heapsnapshot?thread=worker-0');
  t.equal(failed.status, 503);
  t.match(failed.text, /heap snapshot of worker-0 failed: Worker is not running/);
  const next = await get(port, '/debug/heapsnapshot?thread=worker-0');
  t.same([next.status, next.text, next.complete], [200, '{}', true]);
});
