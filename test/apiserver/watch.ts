// WATCH: a chunked stream of {"type","object"} lines, replayed from the store's
// history after the requested resourceVersion, as kube-apiserver does.
import type { ServerResponse } from 'node:http';
import type { WatchControl } from './faults.ts';
import { clone, type JsonObject } from './json.ts';
import { apiVersionOf, type ResourceInfo } from './resources.ts';
import type { Matcher } from './selectors.ts';
import { gone, type Status } from './status.ts';
import type { Store, StoreEvent } from './store.ts';

export interface WatchRequest {
  res: ResourceInfo;
  namespace: string | undefined; // undefined: all namespaces / cluster-scoped
  matches: Matcher;
  resourceVersion: string | undefined;
  allowBookmarks: boolean;
  bookmarkIntervalMs: number;
  timeoutSeconds: number | undefined;
  closeAfterMs: number | undefined;
}

interface Stream {
  resource: string;
  response: ServerResponse;
}

export class WatchRegistry implements WatchControl {
  #streams = new Set<Stream>();
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  drop(filter: { resource?: string; mode: 'end' | 'destroy' }): number {
    let n = 0;
    for (const s of [...this.#streams]) {
      if (filter.resource !== undefined && s.resource !== filter.resource) continue;
      n++;
      this.#streams.delete(s);
      if (filter.mode === 'destroy') s.response.destroy();
      else s.response.end();
    }
    return n;
  }

  count(resource?: string): number {
    return [...this.#streams].filter((s) => resource === undefined || s.resource === resource).length;
  }

  serve(w: WatchRequest, response: ServerResponse): void {
    const store = this.#store;
    const start = w.resourceVersion === undefined || w.resourceVersion === '' || w.resourceVersion === '0' ? undefined : Number(w.resourceVersion);
    response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    response.flushHeaders();
    const send = (type: string, object: JsonObject | Status): void => {
      if (!response.writableEnded && !response.destroyed) response.write(`${JSON.stringify({ type, object })}\n`);
    };

    if (start !== undefined && start < store.oldestWatchableRv) {
      // Too old: apiserver answers 200, then one ERROR event carrying a 410 Status.
      send('ERROR', gone(String(start), String(store.oldestWatchableRv)).status);
      response.end();
      return;
    }

    const inScope = (obj: JsonObject): boolean => {
      const meta = obj.metadata as { namespace?: string } | undefined;
      return (w.namespace === undefined || meta?.namespace === w.namespace) && w.matches(obj as Parameters<Matcher>[0]);
    };
    const deliver = (e: StoreEvent): void => {
      if (e.res !== w.res) return;
      const now = inScope(e.obj);
      const before = e.prev !== undefined && inScope(e.prev);
      if (e.type === 'DELETED') {
        if (before || now) send('DELETED', clone(e.obj));
      } else if (e.type === 'ADDED') {
        if (now) send('ADDED', clone(e.obj));
      } else if (now && before) send('MODIFIED', clone(e.obj));
      else if (now) send('ADDED', clone(e.obj));
      else if (before) send('DELETED', clone(e.obj)); // left the selector
    };

    if (start === undefined) {
      // No resourceVersion: synthetic ADDED for everything that exists now.
      const current = store.listRaw(w.res, w.namespace).filter(inScope);
      current.sort((a, b) => Number((a.metadata as JsonObject).resourceVersion) - Number((b.metadata as JsonObject).resourceVersion));
      for (const obj of current) send('ADDED', clone(obj));
    } else {
      for (const e of store.historySince(start)) deliver(e);
    }
    const unsubscribe = store.subscribe(deliver);

    const timers: NodeJS.Timeout[] = [];
    if (w.allowBookmarks) {
      timers.push(
        setInterval(() => {
          send('BOOKMARK', { kind: w.res.kind, apiVersion: apiVersionOf(w.res), metadata: { resourceVersion: String(store.resourceVersion) } } as unknown as JsonObject);
        }, w.bookmarkIntervalMs),
      );
    }
    const endAfter = [w.timeoutSeconds === undefined ? undefined : w.timeoutSeconds * 1000, w.closeAfterMs].filter((x): x is number => x !== undefined);
    if (endAfter.length > 0) timers.push(setTimeout(() => response.end(), Math.min(...endAfter)));

    const stream: Stream = { resource: w.res.plural, response };
    this.#streams.add(stream);
    response.once('close', () => {
      unsubscribe();
      for (const t of timers) clearTimeout(t);
      this.#streams.delete(stream);
    });
  }
}
