// One WATCH request as an async iterator of events. Unlike client-node's
// Watch, it can be cancelled at any point (Watch.watch only hands out its
// AbortController once response headers arrived, so a hung connect cannot be
// stopped), and a stream silent for longer than idleTimeoutMs is abandoned.
import type { KubeConfig } from '@kubernetes/client-node';
import { linkSignals } from './abort.ts';
import { fromHttpStatus, KubeApiError, KubeErrorCode, toKubeError } from './errors.ts';
import { rawGet, type KubeObject } from './raw.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  object: T;
}

export interface WatchStreamOptions {
  signal?: AbortSignal;
  // Give up on a stream (connect included) that sends nothing for this long.
  idleTimeoutMs: number;
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  allowWatchBookmarks?: boolean;
  // Ask the server to end the watch after this long (client-go: 5-10 min).
  timeoutSeconds?: number;
}

export async function* watchStream<T extends KubeObject = KubeObject>(kc: KubeConfig, path: string, opts: WatchStreamOptions): AsyncGenerator<WatchEvent<T>> {
  const what = `watch ${path}`;
  const idle = new AbortController();
  const linked = linkSignals([opts.signal, idle.signal]);
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => idle.abort(new KubeApiError(KubeErrorCode.Timeout, `${what}: nothing received for ${opts.idleTimeoutMs} ms`)), opts.idleTimeoutMs);
  };
  const query: Record<string, string | undefined> = {
    watch: 'true',
    resourceVersion: opts.resourceVersion,
    labelSelector: opts.labelSelector,
    fieldSelector: opts.fieldSelector,
    allowWatchBookmarks: opts.allowWatchBookmarks ? 'true' : undefined,
    timeoutSeconds: opts.timeoutSeconds === undefined ? undefined : String(opts.timeoutSeconds),
  };
  let reader: ReadableStreamDefaultReader<string> | undefined;
  try {
    arm();
    const resp = await rawGet(kc, path, query, linked.signal);
    if (resp.httpStatusCode !== 200) throw fromHttpStatus(resp.httpStatusCode, await resp.body.text(), what, resp.headers);
    const body = resp.body.stream();
    if (!body) return;
    reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      arm();
      buffered += value;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line.trim() === '') continue;
        let event: WatchEvent<T>;
        try {
          event = JSON.parse(line) as WatchEvent<T>;
        } catch {
          throw new KubeApiError(KubeErrorCode.Failed, `${what}: unparseable event line`);
        }
        yield event;
      }
    }
  } catch (err) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    if (idle.signal.aborted) throw idle.signal.reason;
    throw toKubeError(err, what);
  } finally {
    clearTimeout(timer);
    // Ends the HTTP request if the consumer stopped early (closes that socket).
    idle.abort(new KubeApiError(KubeErrorCode.Failed, `${what}: closed`));
    linked.dispose();
    await reader?.cancel().catch(() => undefined);
  }
}
