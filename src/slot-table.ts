// Entries in flight (reviews being answered, jobs a worker holds), each under a
// small integer handle that is reused once its entry is gone. A Map keyed by an
// ever-growing id looks the same but costs the garbage collector dearly under
// load: each insert past the table's capacity rehashes into a new table, and the
// table it leaves behind still points at the entries in flight at that moment.
// Once a table lives in the old generation those stale copies are old garbage
// that keeps young objects alive through every minor collection, so each review
// in flight at a rehash was promoted with everything it references (measured on
// the main thread at 16 connections: 440-1,050 KB promoted per scavenge and 3-13
// full collections in 5 s; with this table, under 10 KB). Here the backing array
// only grows when more entries are held at once than ever before, and a removed
// entry's reference is cleared at once.

export class SlotTable<T> {
  readonly #entries: (T | undefined)[] = [];
  /** Handles freed and not yet reused; the most recently freed is reused first. */
  readonly #free: number[] = [];
  readonly #capacity: number;

  /** `capacity`: the most entries held at once (handles are 0 .. capacity - 1). */
  constructor(capacity = Number.MAX_SAFE_INTEGER) {
    this.#capacity = capacity;
  }

  /** Every handle below the array's length is either held or free. */
  get size(): number {
    return this.#entries.length - this.#free.length;
  }

  /** Handles still free. */
  get free(): number {
    return this.#capacity - this.size;
  }

  /** Holds `entry` and returns its handle; throws when the table is full (check `free` first). */
  add(entry: T): number {
    if (this.size >= this.#capacity) throw new RangeError(`slot table full (${this.#capacity} entries)`);
    const handle = this.#free.pop() ?? this.#entries.length;
    this.#entries[handle] = entry;
    return handle;
  }

  get(handle: number): T | undefined {
    return this.#entries[handle];
  }

  /** Removes the entry under `handle` and returns it (undefined when there is none). */
  delete(handle: number): T | undefined {
    const entry = this.#entries[handle];
    if (entry === undefined) return undefined;
    this.#entries[handle] = undefined;
    this.#free.push(handle);
    return entry;
  }

  /** The entries held, by handle. */
  values(): T[] {
    const held: T[] = [];
    for (const entry of this.#entries) if (entry !== undefined) held.push(entry);
    return held;
  }
}
