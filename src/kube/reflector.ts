// List, then watch from the list's resourceVersion, forever: reconnect after a
// closed or broken stream (jittered backoff on failures), relist on 410 Gone,
// and keep a local copy of the objects. A relist reports what changed while
// the watch was down, so no ADDED/MODIFIED/DELETED is lost across outages.
import { linkSignals, sleep } from './abort.ts';
import { fromHttpStatus, isKubeError, KubeApiError, KubeErrorCode, type KubeStatus } from './errors.ts';
import type { Kube } from './kube.ts';
import { listObjects, type KubeObject } from './raw.ts';
import { backoffDelay, type BackoffOptions } from './retry.ts';
import { watchStream } from './watch-stream.ts';

export type ReflectorEvent<T extends KubeObject> =
  // fromList: found by a relist (a change the watch missed), followed by SYNCED.
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T; fromList?: true }
  // After every (re)list: the complete current set.
  | { type: 'SYNCED'; objects: T[] };

export interface ReflectorOptions<T extends KubeObject> {
  kube: Kube;
  // Collection path, e.g. /api/v1/namespaces/kadmit/secrets.
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  onEvent?: (e: ReflectorEvent<T>) => void;
  // Every failure, for logs and metrics; the reflector carries on regardless.
  onError?: (err: unknown) => void;
  backoff?: BackoffOptions; // default 500 ms .. 30 s
  // Abandon a stream silent this long; bookmarks keep a healthy one busy (default 90 s).
  idleTimeoutMs?: number;
  // Server-side watch lifetime; default random 5-10 min as client-go does.
  watchTimeoutSeconds?: () => number;
}

export interface ReflectorStats {
  lists: number;
  watches: number;
  expired: number; // 410s that forced a relist
  errors: number;
  events: number;
}

function keyOf(o: KubeObject): string {
  return `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

export class Reflector<T extends KubeObject = KubeObject> {
  readonly stats: ReflectorStats = { lists: 0, watches: 0, expired: 0, errors: 0, events: 0 };
  readonly #opts: ReflectorOptions<T>;
  readonly #stop = new AbortController();
  #objects = new Map<string, T>();
  #rv = '';
  #running: Promise<void> | undefined;
  #synced = false;
  #syncWaiters: Array<() => void> = [];

  constructor(opts: ReflectorOptions<T>) {
    this.#opts = opts;
  }

  start(): this {
    this.#running ??= this.#loop();
    return this;
  }

  // Stop watching; resolves once the stream is closed.
  async stop(): Promise<void> {
    this.#stop.abort(new KubeApiError(KubeErrorCode.Stopped, `reflector for ${this.#opts.path} stopped`));
    await this.#running;
  }

  get hasSynced(): boolean {
    return this.#synced;
  }

  // Resolves after the first successful list (or at once if done).
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        this.#syncWaiters = this.#syncWaiters.filter((w) => w !== done);
        reject(signal!.reason);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#syncWaiters.push(done);
    });
  }

  get resourceVersion(): string {
    return this.#rv;
  }

  list(): T[] {
    return [...this.#objects.values()];
  }

  get(name: string, namespace = ''): T | undefined {
    return this.#objects.get(`${namespace}/${name}`);
  }

  #emit(e: ReflectorEvent<T>): void {
    try {
      this.#opts.onEvent?.(e);
    } catch (err) {
      this.#opts.onError?.(err);
    }
  }

  async #relist(signal: AbortSignal): Promise<void> {
    const query: { labelSelector?: string; fieldSelector?: string } = {};
    if (this.#opts.labelSelector) query.labelSelector = this.#opts.labelSelector;
    if (this.#opts.fieldSelector) query.fieldSelector = this.#opts.fieldSelector;
    const list = await listObjects<T>(this.#opts.kube, this.#opts.path, query, { signal });
    this.stats.lists++;
    const next = new Map(list.items.map((o) => [keyOf(o), o]));
    const previous = this.#objects;
    this.#objects = next;
    this.#rv = list.metadata?.resourceVersion ?? '';
    for (const [k, o] of previous) if (!next.has(k)) this.#emit({ type: 'DELETED', object: o, fromList: true });
    for (const [k, o] of next) {
      const old = previous.get(k);
      if (!old) this.#emit({ type: 'ADDED', object: o, fromList: true });
      else if (old.metadata?.resourceVersion !== o.metadata?.resourceVersion) this.#emit({ type: 'MODIFIED', object: o, fromList: true });
    }
    this.#emit({ type: 'SYNCED', objects: [...next.values()] });
    if (!this.#synced) {
      this.#synced = true;
      for (const w of this.#syncWaiters.splice(0)) w();
    }
  }

  #apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: T): void {
    const k = keyOf(obj);
    const old = this.#objects.get(k);
    this.#rv = obj.metadata?.resourceVersion ?? this.#rv;
    if (type === 'DELETED') {
      if (!old) return;
      this.#objects.delete(k);
      this.#emit({ type, object: obj });
      return;
    }
    // A replay after reconnecting can repeat what we already hold.
    if (old && old.metadata?.resourceVersion === obj.metadata?.resourceVersion) return;
    this.#objects.set(k, obj);
    this.#emit({ type: old ? 'MODIFIED' : 'ADDED', object: obj });
  }

  async #watchOnce(signal: AbortSignal): Promise<number> {
    const o = this.#opts;
    this.stats.watches++;
    let received = 0;
    const stream = watchStream<T>(o.kube.kc, o.path, {
      signal,
      idleTimeoutMs: o.idleTimeoutMs ?? 90_000,
      resourceVersion: this.#rv,
      allowWatchBookmarks: true,
      timeoutSeconds: o.watchTimeoutSeconds ? o.watchTimeoutSeconds() : 300 + Math.floor(Math.random() * 300),
      ...(o.labelSelector ? { labelSelector: o.labelSelector } : {}),
      ...(o.fieldSelector ? { fieldSelector: o.fieldSelector } : {}),
    });
    for await (const ev of stream) {
      received++;
      if (ev.type === 'ERROR') {
        const status = ev.object as KubeStatus;
        if (status.code === 410) {
          this.#rv = '';
          this.stats.expired++;
          return received;
        }
        throw fromHttpStatus(status.code ?? 500, status, `watch ${o.path}`);
      }
      if (ev.type === 'BOOKMARK') {
        this.#rv = ev.object.metadata?.resourceVersion ?? this.#rv;
        continue;
      }
      this.stats.events++;
      this.#apply(ev.type, ev.object);
    }
    return received;
  }

  async #loop(): Promise<void> {
    const linked = linkSignals([this.#opts.kube.signal, this.#stop.signal]);
    const signal = linked.signal;
    const backoff: BackoffOptions = { baseDelayMs: 500, maxDelayMs: 30_000, ...this.#opts.backoff };
    let failures = 0;
    try {
      while (!signal.aborted) {
        try {
          if (this.#rv === '') await this.#relist(signal);
          const started = Date.now();
          const received = await this.#watchOnce(signal);
          if (received > 0) failures = 0;
          // A stream the server closes at once, again and again, must not spin.
          if (received === 0 && Date.now() - started < 1000) {
            throw new KubeApiError(KubeErrorCode.Unavailable, `watch ${this.#opts.path}: closed by the server without events`);
          }
        } catch (err) {
          if (signal.aborted) break;
          if (isKubeError(err, KubeErrorCode.Gone)) {
            this.#rv = '';
            this.stats.expired++;
            continue;
          }
          this.stats.errors++;
          this.#opts.onError?.(err);
          // An idle stream is replaced at once (it already waited); real failures back off.
          if (isKubeError(err, KubeErrorCode.Timeout) && this.#rv !== '') continue;
          failures++;
          try {
            await sleep(backoffDelay(failures - 1, backoff), signal);
          } catch {
            break;
          }
        }
      }
    } finally {
      linked.dispose();
    }
  }
}
