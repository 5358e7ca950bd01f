// Every request the test API server saw, for assertions: verb, path, query,
// content type, body, the fault applied, the status answered, and whether its
// connection has closed (to prove a client really cancelled a request).
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { FaultSpec, Verb } from './faults.ts';
import type { Route } from './route.ts';

export interface RequestRecord {
  seq: number;
  time: number;
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string;
  userAgent: string;
  verb?: Verb;
  resource?: string;
  namespace?: string;
  name?: string;
  // Parsed JSON body, or the raw text when it is not JSON (apply YAML).
  body?: unknown;
  fault?: FaultSpec;
  status?: number; // once answered
  watching?: boolean;
  socketId: number;
  // The connection that carried the request, observed from the server side.
  readonly socketClosed: boolean;
  whenSocketClosed(): Promise<void>;
}

interface SocketState {
  closed: boolean;
  promise: Promise<void>;
}

export class RequestLog {
  #records: RequestRecord[] = [];
  #seq = 0;
  #waiters = new Set<{ pred: (r: RequestRecord) => boolean; ok: (r: RequestRecord) => void }>();
  #sockets = new WeakMap<Socket, SocketState>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  get entries(): readonly RequestRecord[] {
    return this.#records;
  }

  clear(): void {
    this.#records = [];
  }

  find(pred: (r: RequestRecord) => boolean): RequestRecord[] {
    return this.#records.filter(pred);
  }

  // The first logged request matching `pred`, or the next one to arrive (after routing).
  waitFor(pred: (r: RequestRecord) => boolean, timeoutMs = 10_000): Promise<RequestRecord> {
    const found = this.#records.find((r) => r.verb !== undefined && pred(r));
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const w = {
        pred,
        ok: (r: RequestRecord) => {
          clearTimeout(timer);
          this.#waiters.delete(w);
          resolve(r);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(w);
        reject(new Error(`no matching request within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.add(w);
    });
  }

  #socketState(socket: Socket): SocketState {
    let st = this.#sockets.get(socket);
    if (!st) {
      const state: SocketState = { closed: socket.destroyed, promise: Promise.resolve() };
      state.promise = socket.destroyed ? Promise.resolve() : new Promise((ok) => socket.once('close', () => {
        state.closed = true;
        ok();
      }));
      this.#sockets.set(socket, state);
      st = state;
    }
    return st;
  }

  begin(req: IncomingMessage, url: URL, socketId: number, socket: Socket): RequestRecord {
    const st = this.#socketState(socket);
    const record: RequestRecord = {
      seq: ++this.#seq,
      time: Date.now(),
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      contentType: String(req.headers['content-type'] ?? ''),
      userAgent: String(req.headers['user-agent'] ?? ''),
      socketId,
      get socketClosed() {
        return st.closed;
      },
      whenSocketClosed: () => st.promise,
    };
    this.#records.push(record);
    if (this.#records.length > this.#max) this.#records.splice(0, this.#records.length - this.#max);
    return record;
  }

  body(record: RequestRecord, raw: string): void {
    if (raw === '') return;
    try {
      record.body = JSON.parse(raw);
    } catch {
      record.body = raw;
    }
  }

  // Routed (and its fault, if any, chosen): waiters see it now.
  route(record: RequestRecord, r: Route, fault: FaultSpec | undefined): void {
    if (fault) record.fault = fault;
    record.verb = r.verb;
    record.resource = r.res.plural;
    if (r.namespace !== undefined) record.namespace = r.namespace;
    if (r.name) record.name = r.name;
    for (const w of [...this.#waiters]) if (w.pred(record)) w.ok(record);
  }

  watching(record: RequestRecord): void {
    record.watching = true;
    record.status = 200;
  }

  finish(record: RequestRecord, status: number): void {
    record.status = status;
  }
}
