// Review bodies reach a worker in shared memory, so posting one copies nothing.
// A fresh SharedArrayBuffer per review cost the main thread about 15-25 µs
// (allocating it, then the first post of a new buffer, which the receiving side
// must adopt); posting a buffer that was posted before costs about what a
// message of a few numbers does. So a body up to POOLED_BODY_BYTES is copied
// (well under a microsecond for 5 KB) into a shared buffer lent by this pool
// until its worker has answered; a larger one is posted as it is (with workers,
// the serve command has the body reader put a body that large in shared memory).

/** The largest body copied into a lent buffer; also the size of each buffer. */
export const POOLED_BODY_BYTES = 32 * 1024;
/** Idle buffers kept per worker (1 MiB at most); more are left to the garbage collector. */
export const MAX_IDLE_BODY_BUFFERS = 32;

export class SharedBodies {
  readonly #idle: SharedArrayBuffer[] = [];

  /** What to post for `body`: a lent shared copy for a small body, else `body` itself. */
  lend(body: Uint8Array): Uint8Array {
    if (body.byteLength === 0 || body.byteLength > POOLED_BODY_BYTES) return body;
    const lent = new Uint8Array(this.#idle.pop() ?? new SharedArrayBuffer(POOLED_BODY_BYTES), 0, body.byteLength);
    lent.set(body);
    return lent;
  }

  /** Takes back what lend() returned once no thread reads it any more (the worker answered, or never will start it). */
  giveBack(posted: Uint8Array, body: Uint8Array): void {
    if (posted === body || this.#idle.length >= MAX_IDLE_BODY_BUFFERS) return;
    this.#idle.push(posted.buffer as SharedArrayBuffer);
  }

  get idleBuffers(): number {
    return this.#idle.length;
  }
}
