// Fault injection for the test API server: make matching requests fail with a
// status, wait, hang forever, or lose their connection; drop watch streams.
import type { ServerResponse } from 'node:http';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

export interface FaultSpec {
  verb?: Verb | Verb[];
  resource?: string; // plural, e.g. "secrets", "validatingwebhookconfigurations"
  namespace?: string;
  name?: string;
  // How many matching requests this fault takes (default: all of them).
  times?: number;
  // Let this many matching requests through untouched first.
  skip?: number;
  // Exactly one action:
  status?: number; // answer with a Status of this code
  message?: string;
  retryAfterSeconds?: number; // sets Retry-After and details.retryAfterSeconds
  delayMs?: number; // wait, then serve normally
  hang?: boolean; // never answer; the socket stays open until the client gives up
  reset?: boolean; // destroy the connection without an answer
  // For watches: serve normally, then end the stream after this long.
  closeWatchAfterMs?: number;
}

export interface RequestTarget {
  verb: Verb;
  resource: string;
  namespace: string;
  name: string;
}

export class Fault {
  readonly spec: FaultSpec;
  hits = 0;
  #skipped = 0;
  #remove: (f: Fault) => void;

  constructor(spec: FaultSpec, remove: (f: Fault) => void) {
    const actions = ['status', 'delayMs', 'hang', 'reset', 'closeWatchAfterMs'].filter((k) => spec[k as keyof FaultSpec] !== undefined && spec[k as keyof FaultSpec] !== false);
    if (actions.length !== 1) throw new Error(`fault needs exactly one action, got ${actions.join(', ') || 'none'}`);
    this.spec = spec;
    this.#remove = remove;
  }

  get exhausted(): boolean {
    return this.spec.times !== undefined && this.hits >= this.spec.times;
  }

  matches(t: RequestTarget): boolean {
    const s = this.spec;
    if (s.verb !== undefined && !(Array.isArray(s.verb) ? s.verb : [s.verb]).includes(t.verb)) return false;
    if (s.resource !== undefined && s.resource !== t.resource) return false;
    if (s.namespace !== undefined && s.namespace !== t.namespace) return false;
    if (s.name !== undefined && s.name !== t.name) return false;
    if (this.exhausted) return false;
    if (s.skip !== undefined && this.#skipped < s.skip) {
      this.#skipped++;
      return false;
    }
    return true;
  }

  remove(): void {
    this.#remove(this);
  }
}

export interface WatchControl {
  drop(filter: { resource?: string; mode: 'end' | 'destroy' }): number;
  count(resource?: string): number;
}

export class Faults {
  #faults: Fault[] = [];
  #hung = new Set<ServerResponse>();
  #watches: WatchControl;

  constructor(watches: WatchControl) {
    this.#watches = watches;
  }

  add(spec: FaultSpec): Fault {
    const f = new Fault(spec, (x) => {
      this.#faults = this.#faults.filter((y) => y !== x);
    });
    this.#faults.push(f);
    return f;
  }

  clear(): void {
    this.#faults = [];
  }

  list(): readonly Fault[] {
    return this.#faults;
  }

  // The first fault that takes this request, counting the hit.
  take(t: RequestTarget): Fault | undefined {
    const f = this.#faults.find((x) => x.matches(t));
    if (f) f.hits++;
    return f;
  }

  // Close every open watch stream (all, or one resource's). "end" finishes the
  // chunked response cleanly; "destroy" kills the socket mid-stream.
  dropWatches(opts: { resource?: string; mode?: 'end' | 'destroy' } = {}): number {
    const filter: { resource?: string; mode: 'end' | 'destroy' } = { mode: opts.mode ?? 'end' };
    if (opts.resource !== undefined) filter.resource = opts.resource;
    return this.#watches.drop(filter);
  }

  openWatches(resource?: string): number {
    return this.#watches.count(resource);
  }

  trackHung(res: ServerResponse): void {
    this.#hung.add(res);
    res.once('close', () => this.#hung.delete(res));
  }

  // Requests held open by `hang` faults right now.
  get hungCount(): number {
    return this.#hung.size;
  }

  // Give up on hung requests: destroy their sockets.
  releaseHung(): void {
    for (const r of this.#hung) r.destroy();
    this.#hung.clear();
  }
}
