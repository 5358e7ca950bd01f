// Keeps the process away from its memory limit. New requests are refused (HTTP
// 429 with Retry-After, before their body is read) while resident memory plus the
// request bodies in flight is above a threshold, by default 85% of the cgroup's
// memory limit: the apiserver then applies the webhook's failurePolicy or retries,
// instead of the kernel killing every review at once. After a burst, once
// nothing is in flight, it also gives the heap back (see heap-tidy.ts).
import { totalmem } from 'node:os';

/** Share of the memory limit above which new requests are shed. */
export const SHED_AT_SHARE = 0.85;
export const RETRY_AFTER_SECONDS = 1;
/** How long one reading of resident memory is used. */
const RSS_TTL_MS = 50;

/** The cgroup (v1 or v2) memory limit of this process, or undefined when there is none. */
export function cgroupMemoryLimit(): number | undefined {
  // libuv reads memory.max (v2) or memory.limit_in_bytes (v1) of this process's own cgroup.
  const limit = process.constrainedMemory();
  return limit > 0 && limit < totalmem() ? limit : undefined;
}

/** The threshold from the option: bytes when set, else a share of the cgroup limit, else none. */
export function shedThreshold(optionBytes: number, limit: number | undefined = cgroupMemoryLimit()): number | undefined {
  if (optionBytes > 0) return optionBytes;
  return limit === undefined ? undefined : Math.floor(limit * SHED_AT_SHARE);
}

export interface MemoryGuardOptions {
  /** Resident bytes plus bodies in flight above which requests are refused; undefined: never. */
  shedAtBytes: number | undefined;
  rss?: () => number;
  now?: () => number;
}

/** One request's claim on memory, from its arrival to its answer. */
export interface Ticket {
  /** Body bytes received so far for this request. */
  add(bytes: number): void;
  release(): void;
}

export class MemoryGuard {
  readonly shedAtBytes: number | undefined;
  readonly #rss: () => number;
  readonly #now: () => number;
  #rssValue = 0;
  #rssAt = -Infinity;
  #inFlightBytes = 0;
  #inFlightRequests = 0;
  #lastArrival = -Infinity;

  constructor(options: MemoryGuardOptions) {
    this.shedAtBytes = options.shedAtBytes;
    this.#rss = options.rss ?? (() => process.memoryUsage.rss());
    this.#now = options.now ?? Date.now;
  }

  /**
   * A ticket for a request that declares `declaredBytes` of body, or undefined
   * when it must be refused now.
   */
  admit(declaredBytes: number): Ticket | undefined {
    const now = this.#now();
    this.#lastArrival = now;
    if (this.shedAtBytes !== undefined && this.#residentAt(now) + this.#inFlightBytes + declaredBytes > this.shedAtBytes) return undefined;
    let held = 0;
    let released = false;
    this.#inFlightRequests++;
    return {
      add: (bytes) => {
        if (released) return;
        held += bytes;
        this.#inFlightBytes += bytes;
      },
      release: () => {
        if (released) return;
        released = true;
        this.#inFlightBytes -= held;
        this.#inFlightRequests--;
      },
    };
  }

  /** Nothing in flight and nothing arrived for `quietMs`. */
  idleFor(quietMs: number): boolean {
    return this.#inFlightRequests === 0 && this.#now() - this.#lastArrival >= quietMs;
  }

  stats(): { inFlightBytes: number; inFlightRequests: number; shedAtBytes: number | null } {
    return { inFlightBytes: this.#inFlightBytes, inFlightRequests: this.#inFlightRequests, shedAtBytes: this.shedAtBytes ?? null };
  }

  #residentAt(now: number): number {
    if (now - this.#rssAt >= RSS_TTL_MS) {
      this.#rssValue = this.#rss();
      this.#rssAt = now;
    }
    return this.#rssValue;
  }
}
