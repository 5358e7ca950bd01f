// A streaming structural scan of a JSON request body, run on the bytes of a
// large one as they arrive and before anything parses them (json-limits.ts says
// which bodies), and on any body whose head is needed unparsed. It does two
// things JSON.parse cannot do cheaply:
//  - bounds: nesting depth, entries per array or object, and values in all. A
//    body of 7.5 MB of `[{},{},...]` is 2.5 million objects once parsed (about
//    160 MB of heap); the scan stops counting at the limit, with a few hundred
//    bytes of state, and the bytes need not be kept.
//  - the head: apiVersion, request.uid and the few fields a log line names,
//    so that an answer can be written without parsing the body (at the deadline,
//    or for a body over the limits).
// It does not validate JSON: JSON.parse still does, and a body that is not JSON
// is reported by it. The counts are never below what JSON.parse would build.

import { decodeJsonString, HEAD_DEPTH, HEAD_TREE, MAX_HEAD_VALUE, type HeadField, type HeadNode, type ReviewHead } from './review-head.ts';
import { DEFAULT_JSON_LIMITS, type JsonLimits, type LimitProblem } from './json-limits.ts';

export type { ReviewHead } from './review-head.ts';
export { MAX_HEAD_VALUE } from './review-head.ts';

export interface ScanResult {
  head: ReviewHead;
  /** Set when a limit was passed; the scan stopped there. */
  problem?: LimitProblem;
  /** Bytes seen. */
  bytes: number;
}

/** A request body as the reviewer gets it: the bytes, what the scan found, and when it started to arrive. */
export interface ReceivedBody {
  /** Empty when the scan found a problem: the bytes were not kept. */
  bytes: Uint8Array;
  /** Absent for a body not scanned before parsing (json-limits.ts). */
  scan?: ScanResult;
  /** ms since epoch; the review's deadline counts from here. */
  receivedAt: number;
}

const MAX_KEY = 16;
/** Open containers a scanner has room for at first: 64 bytes of counts, which V8 keeps on its heap (cheap to make). */
const INITIAL_DEPTH = 16;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

export class JsonScanner {
  readonly #limits: JsonLimits;
  // Per open container: is it an object, and how many entries so far.
  // Grown as the body nests (#grow): most bodies never need the room maxDepth allows.
  #isObject = new Uint8Array(INITIAL_DEPTH);
  #entries = new Int32Array(INITIAL_DEPTH);
  /** The key each open object (up to HEAD_DEPTH) is at, for the head paths. */
  readonly #keys: string[] = [];
  /**
   * For each open object up to HEAD_DEPTH, its node in HEAD_TREE: undefined for
   * one no head path goes through (request.object and everything in it), whose
   * keys are then not even collected.
   */
  readonly #nodes: (HeadNode | undefined)[] = [];
  #depth = 0;
  #values = 0;
  /** Bytes before the current chunk, and the offset of the byte being looked at (for messages). */
  #bytes = 0;
  #at = 0;
  #inString = false;
  #escaped = false;
  /** Index of the next backslash in the current chunk (the chunk's length if none; -1 before the first look). */
  #nextBackslash = -1;
  #inLiteral = false;
  /** The string being read is an object key. */
  #stringIsKey = false;
  /** In an object, a key is expected next (after `{` or `,`). */
  #expectKey = false;
  /** What the string or literal being read fills: a key at a head depth, a head field, or nothing. */
  #target: HeadField | 'key' | undefined;
  /** Its bytes (still JSON-escaped); undefined when not collected or too long. */
  #collected: number[] | undefined;
  readonly #head: ReviewHead = {};
  #problem: LimitProblem | undefined;

  constructor(limits: JsonLimits = DEFAULT_JSON_LIMITS) {
    this.#limits = limits;
  }

  get problem(): LimitProblem | undefined {
    return this.#problem;
  }

  /** Scans the next chunk; returns false once a limit is passed (later chunks are ignored). */
  write(chunk: Uint8Array): boolean {
    if (this.#problem) return false;
    const n = chunk.length;
    let i = 0;
    this.#nextBackslash = -1;
    while (i < n) {
      if (this.#inString) {
        i = this.#readString(chunk, i);
        continue;
      }
      const b = chunk[i]!;
      if (this.#inLiteral) {
        if (b !== COMMA && b !== CLOSE_OBJECT && b !== CLOSE_ARRAY && !isSpace(b)) {
          this.#collect(b);
          i++;
          continue;
        }
        this.#endLiteral(); // and the delimiter is handled below
      }
      if (this.#depth > 0 && (this.#depth > HEAD_DEPTH || this.#nodes[this.#depth] === undefined)) {
        i = this.#skim(chunk, i);
        if (i < 0) return false;
        continue;
      }
      this.#at = this.#bytes + i;
      if (b === QUOTE) {
        this.#inString = true;
        this.#stringIsKey = this.#expectKey;
        if (this.#expectKey) {
          this.#expectKey = false;
          this.#start(this.#depth <= HEAD_DEPTH && this.#nodes[this.#depth] !== undefined ? 'key' : undefined);
        } else {
          const field = this.#headFieldHere();
          if (!this.#value()) return false;
          this.#start(field);
        }
      } else if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
        const field = this.#headFieldHere();
        if (!this.#value()) return false;
        if (field) delete this.#head[field]; // an object where a head value belongs: not usable
        if (++this.#depth === this.#entries.length) this.#grow();
        this.#isObject[this.#depth] = b === OPEN_OBJECT ? 1 : 0;
        this.#entries[this.#depth] = 0;
        this.#expectKey = b === OPEN_OBJECT;
        if (this.#depth <= HEAD_DEPTH) {
          this.#keys[this.#depth] = '';
          this.#nodes[this.#depth] = b === OPEN_OBJECT ? this.#childNode() : undefined;
        }
      } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
        if (this.#depth > 0) this.#depth--;
        this.#expectKey = false;
      } else if (b === COMMA) {
        this.#expectKey = this.#isObject[this.#depth] === 1;
      } else if (b !== COLON && !isSpace(b)) {
        // A number, true, false or null starts.
        const field = this.#headFieldHere();
        if (!this.#value()) return false;
        this.#inLiteral = true;
        this.#start(field);
        this.#collect(b);
      }
      i++;
    }
    this.#bytes += n;
    return true;
  }

  /** The result once the last chunk is written. */
  end(): ScanResult {
    if (this.#inLiteral) this.#endLiteral();
    return { head: this.#head, bytes: this.#bytes, ...(this.#problem && { problem: this.#problem }) };
  }

  /**
   * The scan inside a container no head path goes through (request.object and
   * everything in it: most of a body), where only the counts matter: the state
   * is kept in locals and short strings are stepped over in place. Returns where
   * the general loop takes over (a long or escaped string, a literal cut by the
   * chunk's end, a container a head path goes through, the chunk's end), or -1
   * when a limit is passed (reported by #value, as the general loop would).
   */
  #skim(chunk: Uint8Array, i: number): number {
    const n = chunk.length;
    let isObject = this.#isObject;
    let entries = this.#entries;
    const { maxDepth, maxEntries, maxValues } = this.#limits;
    let depth = this.#depth;
    let values = this.#values;
    let expectKey = this.#expectKey;
    while (i < n) {
      const b = chunk[i]!;
      if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
        depth--;
        expectKey = false;
        i++;
        if (depth <= HEAD_DEPTH && (depth === 0 || this.#nodes[depth] !== undefined)) break;
        continue;
      }
      if (b === COMMA) {
        expectKey = isObject[depth] === 1;
        i++;
        continue;
      }
      if (b === COLON || isSpace(b)) {
        i++;
        continue;
      }
      const isKey = b === QUOTE && expectKey;
      if (!isKey) {
        // A value: counted as #value counts it; one past a limit is left to #value to report.
        if (depth > maxDepth || values >= maxValues || entries[depth]! >= maxEntries) {
          this.#sync(depth, values, expectKey);
          this.#at = this.#bytes + i;
          this.#value();
          return -1;
        }
        values++;
        entries[depth]!++;
      }
      if (b === QUOTE) {
        expectKey = false;
        let j = i + 1;
        const shortEnd = Math.min(n, j + 64);
        while (j < shortEnd && chunk[j] !== QUOTE && chunk[j] !== BACKSLASH) j++;
        if (j < shortEnd && chunk[j] === QUOTE) {
          i = j + 1;
          continue;
        }
        this.#sync(depth, values, expectKey);
        this.#inString = true;
        this.#stringIsKey = isKey;
        this.#start(undefined);
        return i + 1;
      }
      if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
        if (++depth === entries.length) {
          this.#grow();
          isObject = this.#isObject;
          entries = this.#entries;
        }
        isObject[depth] = b === OPEN_OBJECT ? 1 : 0;
        entries[depth] = 0;
        expectKey = b === OPEN_OBJECT;
        // No head path goes through a container inside this one.
        if (depth <= HEAD_DEPTH) {
          this.#keys[depth] = '';
          this.#nodes[depth] = undefined;
        }
        i++;
        continue;
      }
      // A number, true, false or null: stepped over up to its delimiter.
      let j = i + 1;
      while (j < n) {
        const c = chunk[j]!;
        if (c === COMMA || c === CLOSE_OBJECT || c === CLOSE_ARRAY || isSpace(c)) break;
        j++;
      }
      if (j === n) {
        this.#sync(depth, values, expectKey);
        this.#inLiteral = true;
        this.#start(undefined);
        return n;
      }
      i = j;
    }
    this.#sync(depth, values, expectKey);
    return i;
  }

  /** Twice the room for open containers (a depth past maxDepth + 1 is never reached: #value stops it). */
  #grow(): void {
    const isObject = new Uint8Array(this.#isObject.length * 2);
    const entries = new Int32Array(this.#entries.length * 2);
    isObject.set(this.#isObject);
    entries.set(this.#entries);
    this.#isObject = isObject;
    this.#entries = entries;
  }

  /** Takes back the state #skim kept in locals. */
  #sync(depth: number, values: number, expectKey: boolean): void {
    this.#depth = depth;
    this.#values = values;
    this.#expectKey = expectKey;
  }

  /** Reads string content from `i`; returns the index after the string (or the chunk's end). */
  #readString(chunk: Uint8Array, i: number): number {
    const n = chunk.length;
    // Short strings (keys, names) end within a few bytes: a plain loop is cheapest,
    // and cheaper still when nothing is collected (most strings).
    if (this.#collected === undefined && !this.#escaped) {
      for (const shortEnd = Math.min(n, i + 32); i < shortEnd; i++) {
        const b = chunk[i]!;
        if (b === QUOTE) {
          this.#inString = false;
          this.#endString();
          return i + 1;
        }
        if (b === BACKSLASH) break; // the general loops below handle escapes
      }
    }
    for (const shortEnd = Math.min(n, i + 32); i < shortEnd; ) {
      const b = chunk[i++]!;
      if (this.#escaped) this.#escaped = false;
      else if (b === BACKSLASH) this.#escaped = true;
      else if (b === QUOTE) {
        this.#inString = false;
        this.#endString();
        return i;
      }
      this.#collect(b);
    }
    while (i < n) {
      if (this.#escaped) {
        this.#escaped = false;
        this.#collect(chunk[i++]!);
        continue;
      }
      // indexOf runs natively: long strings (base64 data) cost little. The next
      // backslash is remembered for the chunk, so the scan stays linear.
      let quote = chunk.indexOf(QUOTE, i);
      if (quote < 0) quote = n;
      if (this.#nextBackslash < i) {
        this.#nextBackslash = chunk.indexOf(BACKSLASH, i);
        if (this.#nextBackslash < 0) this.#nextBackslash = n;
      }
      const stop = Math.min(quote, this.#nextBackslash);
      if (this.#collected) for (let j = i; j < stop; j++) this.#collect(chunk[j]!);
      i = stop;
      if (i === n) return n;
      if (i === quote) {
        this.#inString = false;
        this.#endString();
        return i + 1;
      }
      this.#escaped = true;
      this.#collect(BACKSLASH);
      i++;
    }
    return i;
  }

  #endString(): void {
    const target = this.#target;
    const text = this.#take();
    if (target === undefined) return;
    if (target === 'key') {
      // Keys are matched decoded, as JSON.parse reads them ("ui\u0064" is "uid"); an overlong key matches no head path.
      this.#keys[this.#depth] = (text === undefined ? undefined : decodeJsonString(text)) ?? '\u0000';
      return;
    }
    const value = text === undefined ? undefined : decodeJsonString(text);
    if (target !== 'dryRun' && value !== undefined && value.length <= MAX_HEAD_VALUE) this.#head[target] = value;
    else delete this.#head[target]; // too long, badly escaped, or a string where a boolean belongs
  }

  #endLiteral(): void {
    this.#inLiteral = false;
    const target = this.#target;
    const text = this.#take();
    if (target === undefined) return;
    if (target === 'dryRun' && (text === 'true' || text === 'false')) this.#head.dryRun = text === 'true';
    else delete this.#head[target as HeadField]; // a number where a string belongs
  }

  /** Counts a value in the current container; false once a limit is passed. */
  #value(): boolean {
    if (this.#depth > this.#limits.maxDepth) return this.#fail('maxDepth', `nests deeper than ${this.#limits.maxDepth} levels`);
    if (++this.#values > this.#limits.maxValues) return this.#fail('maxValues', `holds more than ${this.#limits.maxValues} JSON values`);
    if (this.#depth > 0 && ++this.#entries[this.#depth]! > this.#limits.maxEntries) {
      return this.#fail('maxEntries', `has an ${this.#isObject[this.#depth] ? 'object' : 'array'} with more than ${this.#limits.maxEntries} entries`);
    }
    return true;
  }

  /** The head field the value starting now would fill, if any. */
  #headFieldHere(): HeadField | undefined {
    if (this.#depth === 0 || this.#depth > HEAD_DEPTH) return undefined;
    const found = this.#nodes[this.#depth]?.get(this.#keys[this.#depth]!);
    return typeof found === 'string' ? found : undefined;
  }

  /** The HEAD_TREE node of an object opening now at the current depth (already incremented). */
  #childNode(): HeadNode | undefined {
    if (this.#depth === 1) return HEAD_TREE;
    const found = this.#nodes[this.#depth - 1]?.get(this.#keys[this.#depth - 1]!);
    return found instanceof Map ? found : undefined;
  }

  #start(target: HeadField | 'key' | undefined): void {
    this.#target = target;
    this.#collected = target === undefined ? undefined : [];
  }

  #collect(b: number): void {
    const bytes = this.#collected;
    if (bytes === undefined) return;
    // Escapes take up to 6 bytes a character; anything longer is not a head value.
    if (bytes.length >= (this.#target === 'key' ? MAX_KEY : MAX_HEAD_VALUE * 6)) this.#collected = undefined;
    else bytes.push(b);
  }

  /** The collected text (still JSON-escaped), or undefined; ends the collection. */
  #take(): string | undefined {
    const bytes = this.#collected;
    this.#collected = undefined;
    this.#target = undefined;
    if (bytes === undefined) return undefined;
    // Keys and head values are nearly always ASCII: no Buffer to build for them.
    return bytes.every((b) => b < 0x80) ? String.fromCharCode(...bytes) : Buffer.from(bytes).toString('utf8');
  }

  #fail(limit: keyof JsonLimits, what: string): false {
    this.#problem = { limit, message: `the request body ${what} (at byte ${this.#at})` };
    return false;
  }
}

/** Scans a whole body at once (a body that did not come through the streaming reader). */
export function scanJson(body: Uint8Array, limits: JsonLimits = DEFAULT_JSON_LIMITS): ScanResult {
  const scanner = new JsonScanner(limits);
  scanner.write(body);
  return scanner.end();
}
