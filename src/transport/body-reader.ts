// Reads a request body, scanning a large one as it arrives. Once a body passes
// `scanAbove` bytes, what came so far and each chunk after is checked against
// the JSON limits (body-scan.ts); once a limit is passed the bytes received so
// far are dropped and the rest is read and discarded, so a hostile body costs no
// memory however it is shaped. A smaller body is held to the limits after it is
// parsed (admission/json-limits.ts). The answer is written once the client has
// sent it all: answering and closing earlier could reset the connection before
// the client reads the answer.
import type { IncomingMessage } from 'node:http';
import { JsonScanner, type ReceivedBody } from '../admission/body-scan.ts';
import type { JsonLimits } from '../admission/json-limits.ts';
import { KadmitError } from '../errors.ts';
import type { ErrorCode } from '../error-codes.ts';

export interface BodyReaderOptions {
  maxBodyBytes: number;
  limits: JsonLimits;
  /** A body up to this many bytes is not scanned (0: every body is). */
  scanAbove: number;
  /** A body larger than this is read into shared memory, for a worker pool to post as it is; absent: none is. */
  sharedAbove?: number;
}

/** A body that cannot be read, answered with its HTTP status (refusals.ts). */
export class BodyError extends KadmitError {
  readonly statusCode: number;
  constructor(statusCode: number, code: ErrorCode, message: string) {
    super(code, message);
    this.statusCode = statusCode;
  }
}

const EMPTY = new Uint8Array(0);
/** Bytes copied per turn of the event loop when a body is complete (~1 ms of page faults and copying). */
const COPY_SLICE = 512 * 1024;

export function tooLarge(maxBodyBytes: number): BodyError {
  return new BodyError(413, 'KADMIT_BODY_TOO_LARGE', `request body is larger than ${maxBodyBytes} bytes`);
}

/**
 * Reads the body of `payload`. `onBytes` is told of every chunk (memory
 * accounting). Rejects with a BodyError for a body over the size limit (at
 * once) or a broken upload.
 */
export function readBody(payload: IncomingMessage, options: BodyReaderOptions, onBytes?: (bytes: number) => void): Promise<ReceivedBody> {
  const receivedAt = Date.now();
  const declared = Number(payload.headers['content-length']);
  if (declared > options.maxBodyBytes) return Promise.reject(tooLarge(options.maxBodyBytes));
  return new Promise((resolve, reject) => {
    let scanner: JsonScanner | undefined;
    const body = new BodyBytes();
    let received = 0;
    let keep = true;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      onBytes?.(chunk.length);
      if (received > options.maxBodyBytes) {
        stop();
        reject(tooLarge(options.maxBodyBytes));
        return;
      }
      if (!keep) return;
      body.add(chunk);
      if (scanner === undefined) {
        if (received <= options.scanAbove) return;
        // Past the size: the scan starts from the body's first byte.
        const started = (scanner = new JsonScanner(options.limits));
        if (body.every((kept) => started.write(kept))) return;
      } else if (scanner.write(chunk)) return;
      keep = false;
      body.drop();
    };
    const onEnd = () => {
      stop();
      const scan = scanner?.end();
      if (!keep) return resolve({ bytes: EMPTY, ...(scan && { scan }), receivedAt });
      body.bytes(options.sharedAbove).then((bytes) => resolve({ bytes, ...(scan && { scan }), receivedAt }), reject);
    };
    const onError = (err: Error) => {
      stop();
      reject(new BodyError(400, 'KADMIT_BODY_BROKEN', `the request body could not be read: ${err.message}`));
    };
    function stop() {
      payload.off('data', onData);
      payload.off('end', onEnd);
      payload.off('error', onError);
    }
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onError);
    payload.resume();
  });
}

/**
 * The body, kept as chunks until it is complete, then copied once: a large one
 * into shared memory, so posting it to a worker copies nothing (a cloned 6 MB
 * buffer cost the main thread ~17 ms) and a review taken back from a stalled
 * worker can go to another with the same bytes. A small one goes into ordinary
 * memory: a worker slot copies it into a shared buffer it lends and reuses
 * (workers/shared-bodies.ts), so a fresh SharedArrayBuffer per review was paid
 * for nothing (measured: it kept ~100 MiB more resident 15 s after a load with
 * two workers). Nothing is allocated ahead from Content-Length:
 * a hostile body that is dropped halfway would leave a buffer of its declared
 * size behind it (measured: ~100 MB more resident under a soak of hostile bodies,
 * as the allocator kept the freed space). A copy in any case: a chunk may be a
 * view into a buffer the socket reuses.
 */
class BodyBytes {
  #chunks: Buffer[] = [];
  #length = 0;

  add(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#length += chunk.length;
  }

  drop(): void {
    this.#chunks = [];
  }

  /** Whether `test` holds for every chunk kept, in order (stops at the first that fails). */
  every(test: (chunk: Buffer) => boolean): boolean {
    return this.#chunks.every(test);
  }

  /** The whole body, copied a slice per turn of the event loop (a probe never waits for a whole copy). */
  async bytes(sharedAbove = Infinity): Promise<Uint8Array> {
    if (this.#length === 0) return EMPTY;
    const bytes = new Uint8Array(this.#length > sharedAbove ? new SharedArrayBuffer(this.#length) : new ArrayBuffer(this.#length));
    let offset = 0;
    let sinceYield = 0;
    for (const chunk of this.#chunks) {
      bytes.set(chunk, offset);
      offset += chunk.length;
      if ((sinceYield += chunk.length) >= COPY_SLICE) {
        sinceYield = 0;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    return bytes;
  }
}
