// /testapi/v1/* — the in-process fault/store/log API over HTTP, for a test
// API server running in its own process (see main.ts and remote.ts).
import type { ServerResponse } from 'node:http';
import type { FaultSpec, Faults } from './faults.ts';
import type { JsonObject } from './json.ts';
import type { RequestLog } from './request-log.ts';
import type { Store } from './store.ts';

interface Parts {
  store: Store;
  faults: Faults;
  log: RequestLog;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body ?? null);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function handleControl({ store, faults, log }: Parts, method: string, url: URL, raw: string, res: ServerResponse): void {
  const parts = url.pathname.split('/').slice(3).map(decodeURIComponent); // after /testapi/v1/
  const body = raw === '' ? undefined : (JSON.parse(raw) as unknown);
  const q = url.searchParams;
  try {
    switch (`${method} ${parts[0]}`) {
      case 'GET requests':
        return send(res, 200, log.entries.map(({ whenSocketClosed: _w, ...r }) => ({ ...r, socketClosed: r.socketClosed })));
      case 'DELETE requests':
        log.clear();
        return send(res, 200, {});
      case 'POST faults':
        faults.add(body as FaultSpec);
        return send(res, 201, { faults: faults.list().length });
      case 'GET faults':
        return send(res, 200, faults.list().map((f) => ({ ...f.spec, hits: f.hits })));
      case 'DELETE faults':
        faults.clear();
        return send(res, 200, {});
      case 'POST drop-watches':
        return send(res, 200, { dropped: faults.dropWatches((body ?? {}) as { resource?: string; mode?: 'end' | 'destroy' }) });
      case 'POST release-hung':
        faults.releaseHung();
        return send(res, 200, {});
      case 'POST compact':
        store.compact();
        return send(res, 200, { resourceVersion: store.resourceVersion });
      case 'GET store': {
        const ns = q.get('namespace') ?? undefined;
        if (parts[2] !== undefined) return send(res, 200, store.get(parts[1]!, parts[2] === '_' ? '' : parts[2], parts[3] ?? '') ?? null);
        return send(res, 200, store.list(parts[1]!, ns));
      }
      case 'PUT store': {
        const opts: { manager?: string; silent?: boolean } = { silent: q.get('silent') === 'true' };
        const manager = q.get('manager');
        if (manager) opts.manager = manager;
        return send(res, 200, store.put(parts[1]!, body as JsonObject, opts));
      }
      case 'DELETE store':
        return send(res, 200, { deleted: store.delete(parts[1]!, parts[2] === '_' ? '' : (parts[2] ?? ''), parts[3] ?? '', { silent: q.get('silent') === 'true' }) });
      default:
        return send(res, 404, { error: `unknown control endpoint ${method} ${url.pathname}` });
    }
  } catch (err) {
    return send(res, 400, { error: (err as Error).message });
  }
}
