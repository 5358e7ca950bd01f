// What relaying one review worker's log line costs the main thread, per line:
// the way kadmit relays it (src/workers/log-relay.ts: shape checks, the pool's
// bindings and thread id appended, written as the worker serialised it) against
// the reference it replaced, measured here in the same process: JSON.parse of the
// worker's line, then logging its fields again through the main logger (a second
// pass through the field sanitiser and a second serialisation). Both write to
// a destination that drops the line. Interleaved batches, medians of CPU time.
//   npx node bench/worker-log-relay.ts
import pino from 'pino';
import { createLogger } from '../src/observability/logger.ts';
import { createLogRelay } from '../src/workers/log-relay.ts';
import { median } from './lib/stats.ts';

const BATCH = 2_000;
const BATCHES = 101;
const THREAD_ID = 3;

const dropped = { write: (_line: string) => {} };
const mainLog = createLogger('info', dropped).child({ component: 'workers' });

// A handler's line as a worker writes it: the review's bound fields and a small object.
let line = '';
createLogger('info', { write: (l: string) => (line = l) })
  .child({ uid: '705ab4f5-6393-11e8-b7cc-42010a800002', webhook: 'require-memory-limits.example.com', kind: 'Pod', namespace: 'shop', name: 'web', operation: 'CREATE' })
  .info({ containers: ['app', 'sidecar'], limits: { memory: '256Mi' } }, 'handler looked at the pod');

const relay = createLogRelay(mainLog);
if (relay(THREAD_ID, line) !== 'written') throw new Error('the sample line was not relayed');
function relayOnce(): void {
  relay(THREAD_ID, line);
}

/** The reference: parse the worker's line and log its fields again through the main logger. */
function reparseAndLog(): void {
  const { level, msg, time: _time, service: _service, ...fields } = JSON.parse(line) as Record<string, unknown>;
  const label = pino.levels.labels[Number(level)] as pino.Level | undefined;
  if (label) mainLog[label]({ ...fields, worker: THREAD_ID }, String(msg ?? ''));
}

function usPerLine(run: () => void): number {
  const c0 = process.cpuUsage();
  for (let i = 0; i < BATCH; i++) run();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / BATCH;
}

const relayed: number[] = [];
const reference: number[] = [];
for (let b = 0; b < BATCHES; b++) {
  relayed.push(usPerLine(relayOnce));
  reference.push(usPerLine(reparseAndLog));
}
const now = median(relayed);
const before = median(reference);
console.log(`worker log line of ${line.length} bytes, relayed on the main thread (median CPU per line, ${BATCHES} batches of ${BATCH}):`);
console.log(`  parse + log again (reference)   ${before.toFixed(2)} us`);
console.log(`  relayed as written              ${now.toFixed(2)} us   (${(before / now).toFixed(1)}x less)`);
