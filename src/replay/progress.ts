// A progress line for long replays: on a terminal only (never in a pipe or a
// CI log, where it would be noise in the report), on stderr, shown once a run
// has lasted a moment, redrawn a few times a second, and erased at the end so
// the report below is unchanged.
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export interface ProgressOptions {
  stream: ProgressStream;
  total: number;
  /** Milliseconds on some clock; injected by tests. */
  now?: () => number;
  /** Nothing is shown for runs shorter than this. */
  delayMs?: number;
  /** Least time between two redraws. */
  intervalMs?: number;
}

export interface Progress {
  /** `done` cases of the total are finished, the last one `label`. */
  update(done: number, label: string): void;
  /** Erases the line, if one was drawn. */
  finish(): void;
}

const ERASE_LINE = '\r\u001b[K';

export function createProgress(options: ProgressOptions): Progress {
  const { stream, total } = options;
  const now = options.now ?? (() => performance.now());
  const delayMs = options.delayMs ?? 500;
  const intervalMs = options.intervalMs ?? 100;
  if (stream.isTTY !== true) return { update() {}, finish() {} };
  const started = now();
  let drawnAt: number | undefined;
  return {
    update(done, label) {
      const at = now();
      if (at - started < delayMs || (drawnAt !== undefined && at - drawnAt < intervalMs)) return;
      drawnAt = at;
      const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
      const text = `kadmit replay: ${done}/${total} (${percent}%) ${label}`.replace(/[\u0000-\u001f\u007f]/g, ' ');
      // One line, never wrapped: a wrapped line cannot be erased with \r.
      const width = Math.max(20, (stream.columns ?? 80) - 1);
      stream.write(`${ERASE_LINE}${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    },
    finish() {
      if (drawnAt !== undefined) stream.write(ERASE_LINE);
    },
  };
}
