// On-demand diagnostics on the ops listener (behind the /debug access rule):
//   GET /debug/profile?seconds=N&thread=T   a V8 CPU profile (.cpuprofile, opens in Chrome DevTools)
//   GET /debug/heapsnapshot?thread=T        a V8 heap snapshot (.heapsnapshot), streamed
// Each kind runs one at a time (409 while one runs): a profile slows its thread
// a little, a snapshot stops it for as long as it takes and can be as large as
// the heap. Both are bounded: seconds 1..60, a snapshot's bytes and duration.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { setTimeout as sleep } from 'node:timers/promises';
import { firstQueryValue } from './query.ts';
import { send } from './ops-server.ts';
import { truncate } from '../truncate.ts';
import { errorMessage } from '../errors.ts';
import { MAIN_THREAD, type DiagnosableThread } from '../observability/threads.ts';

export const PROFILE_SECONDS = { min: 1, max: 60, default: 10 } as const;
/** A snapshot is about the size of the heap it shows; past this it is cut off. */
export const HEAP_SNAPSHOT_MAX_BYTES = 2 * 1024 ** 3;
/** A snapshot taking longer than this (a blocked worker never answers) is abandoned. */
export const HEAP_SNAPSHOT_MAX_MS = 5 * 60_000;

export interface DiagnosticsOptions {
  threads(): readonly DiagnosableThread[];
  log: Logger;
  heapSnapshotMaxBytes?: number;
}

export type DebugRoute = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

class BadParameter extends Error {}

export function diagnosticsRoutes(options: DiagnosticsOptions): Record<string, DebugRoute> {
  const running = { profile: false, heapsnapshot: false };
  const maxBytes = options.heapSnapshotMaxBytes ?? HEAP_SNAPSHOT_MAX_BYTES;

  /** Checks the method, the thread and the one-at-a-time rule; runs `work` holding the lock. */
  const guarded = (kind: keyof typeof running, work: (req: IncomingMessage, res: ServerResponse, thread: DiagnosableThread) => Promise<void>): DebugRoute =>
    async (req, res) => {
      if (req.method !== 'GET') return send(res, 405, 'text/plain', 'only GET\n', { allow: 'GET' });
      let thread: DiagnosableThread;
      try {
        thread = pickThread(options.threads(), firstQueryValue(req.url, 'thread'));
        if (kind === 'profile') profileSeconds(firstQueryValue(req.url, 'seconds'));
      } catch (err) {
        if (err instanceof BadParameter) return send(res, 400, 'text/plain', `${err.message}\n`);
        throw err;
      }
      if (running[kind]) return send(res, 409, 'text/plain', `a ${kind === 'profile' ? 'CPU profile' : 'heap snapshot'} is already being taken; try again when it is done\n`);
      running[kind] = true;
      try {
        await work(req, res, thread);
      } finally {
        running[kind] = false;
      }
    };

  return {
    '/debug/profile': guarded('profile', async (req, res, thread) => {
      const seconds = profileSeconds(firstQueryValue(req.url, 'seconds'));
      const left = new AbortController();
      res.once('close', () => left.abort());
      const profiler = await thread.startCpuProfile();
      options.log.info({ thread: thread.label, seconds }, 'CPU profile started');
      await sleep(seconds * 1000, undefined, { signal: left.signal }).catch(() => undefined);
      const profile = await profiler.stop();
      if (left.signal.aborted) return;
      send(res, 200, 'application/json', profile, { 'content-disposition': attachment(thread, 'cpuprofile') });
    }),
    '/debug/heapsnapshot': guarded('heapsnapshot', async (_req, res, thread) => {
      options.log.info({ thread: thread.label }, 'heap snapshot started');
      await streamCapped(thread.heapSnapshot(), res, maxBytes, thread, options.log);
    }),
  };
}

function pickThread(threads: readonly DiagnosableThread[], wanted: string | undefined): DiagnosableThread {
  const label = wanted ?? MAIN_THREAD;
  const thread = threads.find((t) => t.label === label);
  if (!thread) throw new BadParameter(`thread must be one of ${threads.map((t) => t.label).join(', ')} (got ${JSON.stringify(truncate(label, 64))})`);
  return thread;
}

function profileSeconds(text: string | undefined): number {
  if (text === undefined) return PROFILE_SECONDS.default;
  const seconds = /^\d{1,3}$/.test(text) ? Number(text) : NaN;
  if (!(seconds >= PROFILE_SECONDS.min && seconds <= PROFILE_SECONDS.max)) {
    throw new BadParameter(`seconds must be a whole number from ${PROFILE_SECONDS.min} to ${PROFILE_SECONDS.max} (got ${JSON.stringify(truncate(text, 64))})`);
  }
  return seconds;
}

function attachment(thread: DiagnosableThread, extension: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return `attachment; filename="kadmit-${thread.label}-${stamp}.${extension}"`;
}

/**
 * Streams the snapshot; past the byte or time cap (counted from the ask: a thread
 * may take long to start one), or when the client leaves, both ends are cut. A
 * snapshot stream is always read to its end or destroyed: Node can crash at exit
 * over one left unread.
 */
function streamCapped(taking: Promise<Readable>, res: ServerResponse, maxBytes: number, thread: DiagnosableThread, log: Logger): Promise<void> {
  return new Promise((resolve) => {
    let bytes = 0;
    let snapshot: Readable | undefined;
    let stopped = false;
    const stop = (why: string | undefined) => {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      if (why) {
        log.warn({ thread: thread.label, bytes, why }, 'heap snapshot cut off');
        snapshot?.destroy();
        res.destroy();
      }
      resolve();
    };
    const timer = setTimeout(() => stop(`took longer than ${HEAP_SNAPSHOT_MAX_MS / 1000} s`), HEAP_SNAPSHOT_MAX_MS);
    res.once('close', () => {
      if (!res.writableFinished) stop('the client left');
    });
    taking.then((stream) => {
      if (stopped) return void stream.destroy();
      snapshot = stream;
      res.writeHead(200, { 'content-type': 'application/json', 'content-disposition': attachment(thread, 'heapsnapshot') });
      // Sent now: a snapshot cut off later reads as a broken transfer, not a refused request.
      res.flushHeaders();
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.byteLength;
        if (bytes > maxBytes) return stop(`larger than ${maxBytes} bytes`);
        if (!res.write(chunk)) {
          stream.pause();
          res.once('drain', () => stream.resume());
        }
      });
      stream.once('end', () => {
        res.end();
        stop(undefined);
      });
      stream.once('error', (err) => stop(`failed: ${err.message}`));
    }, (err: unknown) => {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      log.warn({ thread: thread.label, err }, 'heap snapshot failed');
      send(res, 503, 'text/plain', `the heap snapshot of ${thread.label} failed: ${errorMessage(err)}\n`);
      resolve();
    });
  });
}
