// One pino logger for the process (and one per worker, relayed to it). Every
// field of every line, at every level, goes through log-fields.ts: bounded in
// size and with Secrets redacted wherever they sit, under any key.
import pino, { type Logger, type LevelWithSilent } from 'pino';
import { truncate } from '../truncate.ts';
import { MAX_LOG_STRING, safeMessage, sanitizeLogFields } from './log-fields.ts';
import { bufferedStdout } from './stdout-log.ts';

/** Without a destination: stdout, in batches (stdout-log.ts). */
export function createLogger(level: LevelWithSilent, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'kadmit' },
    timestamp: isoTime,
    // (Child bindings are kadmit's own: pino does not pass them through formatters.)
    formatters: { log: sanitizeLogFields },
    // Errors are made plain fields by sanitizeLogFields; pino's own serializer must not redo it.
    serializers: { err: (err: unknown) => err },
    hooks: {
      logMethod(args, method) {
        // pino reads an error's `message` itself when it is logged alone: read it safely here.
        const [first, ...rest] = args as unknown[];
        const normal = first instanceof Error ? [{ err: first }, ...(rest.length > 0 ? rest : [safeMessage(first)])] : (args as unknown[]);
        // In place, on the array pino made for this call: no copy per line.
        for (let i = 0; i < normal.length; i++) if (typeof normal[i] === 'string') normal[i] = truncate(normal[i] as string, MAX_LOG_STRING);
        return method.apply(this, normal as Parameters<typeof method>);
      },
    },
  };
  return pino(options, destination ?? bufferedStdout());
}

/** Where `log` writes its lines: for text already serialised as one of its lines (log-relay.ts, review-line.ts). */
export function destinationOf(log: Logger): pino.DestinationStream {
  return (log as unknown as Record<symbol, pino.DestinationStream>)[pino.symbols.streamSym]!;
}

// pino's isoTime, made once per millisecond: under load several lines share one.
let lastMs = -1;
let lastTime = '';
function isoTime(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}
