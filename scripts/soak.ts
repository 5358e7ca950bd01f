// Soak: runs `kadmit serve` on loopback (default settings, the built-in policies
// plus the misbehaving test webhooks) and sends it a bounded mix for a while:
// normal reviews, hostile bodies (7.5 MB shaped to hurt), bodies sent slowly,
// clients that hang up mid-review, and handlers that overrun their deadline.
// Every few seconds it prints resident memory, heap (main thread and workers),
// active handles, reviews in flight and wrong answers; at the end a summary.
// Exits 1 on a wrong answer, a crash, or a peak over --max-rss-mib.
//   node scripts/soak.ts [--minutes 10 | --seconds 30] [--every 10] [--concurrency 8] [--json]
import { parseArgs } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:https';
import { fileURLToPath } from 'node:url';
import { startKadmit, memoryOf, post, hangUp, reviewAround, HOSTILE_SHAPES, MiB, type Kadmit } from '../test/hostile/support.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string' },
    seconds: { type: 'string' },
    every: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '8' },
    'max-rss-mib': { type: 'string', default: '512' },
    json: { type: 'boolean', default: false },
  },
});
const durationMs = values.seconds !== undefined ? Number(values.seconds) * 1000 : Number(values.minutes ?? '10') * 60_000;
const everyMs = Number(values.every) * 1000;
const concurrency = Number(values.concurrency);
const maxRss = Number(values['max-rss-mib']) * MiB;
if (!(durationMs > 0 && everyMs > 0 && concurrency > 0 && maxRss > 0)) {
  process.stderr.write('soak: --minutes/--seconds, --every, --concurrency and --max-rss-mib take positive numbers\n');
  process.exit(2);
}

const misbehaving = fileURLToPath(new URL('../test/fixtures/webhooks/misbehaving.ts', import.meta.url));
const pod = readFileSync(new URL('../test/fixtures/pod-create-5k.json', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'kadmit-soak-'));
const k = await startKadmit(dir, ['--webhook', 'builtin:pod-security', '--webhook', misbehaving]);
const hostile = Object.values(HOSTILE_SHAPES).map((shape) => reviewAround('soak-hostile', shape(7_500_000)));
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });

interface Counts { sent: number; wrong: number; byKind: Record<string, number>; wrongExamples: string[] }
const counts: Counts = { sent: 0, wrong: 0, byKind: {}, wrongExamples: [] };

function verdict(body: string): { allowed?: boolean; code?: number; uid?: string } {
  try {
    const r = JSON.parse(body).response;
    return { allowed: r?.allowed, code: r?.status?.code, uid: r?.uid };
  } catch {
    return {};
  }
}

function wrong(kind: string, what: string): void {
  counts.wrong++;
  if (counts.wrongExamples.length < 10) counts.wrongExamples.push(`${kind}: ${what.slice(0, 400)}`);
}

/** Sends a body in pieces over about a second (within every timeout). */
function slowPost(k: Kadmit, path: string, body: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: k.webhookPort, path, method: 'POST', ca: k.ca, servername: 'kadmit.kadmit.svc', agent: false, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', (err) => resolve({ status: 0, body: err.message }));
    const pieces = 10;
    const size = Math.ceil(body.length / pieces);
    let i = 0;
    const timer = setInterval(() => {
      req.write(body.subarray(i * size, (i + 1) * size));
      if (++i === pieces) {
        clearInterval(timer);
        req.end();
      }
    }, 100);
  });
}

let hostileInFlight = 0;
const kinds: { name: string; weight: number; run(n: number): Promise<void> }[] = [
  { name: 'normal', weight: 70, run: async (n) => {
    const path = n % 2 === 0 ? '/quick?timeout=10s' : '/validate/pod-security?timeout=10s';
    const a = await post(k.webhookPort, k.ca, path, pod, agent);
    const v = verdict(a.body);
    const expected = path.startsWith('/quick') ? v.allowed === true : v.allowed === false && v.code === 403; // the fixture Pod breaks the restricted standard
    if (a.status !== 200 || !expected) wrong('normal', `${a.status} ${a.body}`);
  } },
  { name: 'hostile', weight: 4, run: async (n) => {
    if (hostileInFlight > 0) return; // one at a time: the point is the shape, not a flood
    hostileInFlight++;
    try {
      const a = await post(k.webhookPort, k.ca, '/validate/pod-security?timeout=10s', hostile[n % hostile.length]!);
      const v = verdict(a.body);
      if (a.status !== 200 || v.allowed !== false || v.code !== 422) wrong('hostile', `${a.status} ${a.body}`);
    } finally {
      hostileInFlight--;
    }
  } },
  { name: 'slow', weight: 4, run: async () => {
    const a = await slowPost(k, '/quick?timeout=10s', pod);
    if (a.status !== 200 || verdict(a.body).allowed !== true) wrong('slow', `${a.status} ${a.body}`);
  } },
  { name: 'aborted', weight: 11, run: (n) => hangUp(k.webhookPort, k.ca, '/sleep?timeout=10s', pod, 5 + (n % 50)) },
  { name: 'overrun', weight: 11, run: async (n) => {
    // Handlers that keep going past the 500 ms budget of a 1 s timeout: one ignores its
    // signal (failurePolicy Ignore: fails open), one answers only once aborted (Fail: 504).
    const ignores = n % 2 === 0;
    const a = await post(k.webhookPort, k.ca, ignores ? '/ignore-signal?timeout=1s' : '/sleep?timeout=1s', pod, agent);
    const v = verdict(a.body);
    const expected = ignores ? v.allowed === true && /failed open/.test(a.body) : v.allowed === false && v.code === 504;
    if (a.status !== 200 || !expected) wrong('overrun', `${a.status} ${a.body}`);
  } },
];
const totalWeight = kinds.reduce((a, b) => a + b.weight, 0);
function pick(n: number) {
  let x = (n * 7919) % totalWeight; // a fixed, well-spread sequence: runs are comparable
  for (const kind of kinds) if ((x -= kind.weight) < 0) return kind;
  return kinds[0]!;
}

function metric(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(name) && (line[name.length] === ' ' || line[name.length] === '{')) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

interface Sample { seconds: number; rssMiB: number; peakMiB: number; mainHeapMiB: number; workerHeapMiB: number; handles: number; inFlight: number; sent: number; wrong: number }
const samples: Sample[] = [];
const started = Date.now();
async function sample(): Promise<Sample> {
  const mem = memoryOf(k.pid);
  const text = await fetch(`http://127.0.0.1:${k.opsPort}/metrics`).then((r) => r.text());
  const s: Sample = {
    seconds: Math.round((Date.now() - started) / 1000),
    rssMiB: +(mem.rss / MiB).toFixed(1),
    peakMiB: +(mem.peak / MiB).toFixed(1),
    mainHeapMiB: +((metric(text, 'nodejs_heap_size_used_bytes')) / MiB).toFixed(1),
    workerHeapMiB: +((metric(text, 'kadmit_worker_heap_used_bytes')) / MiB).toFixed(1),
    handles: metric(text, 'nodejs_active_handles_total'),
    inFlight: metric(text, 'kadmit_admission_in_flight'),
    sent: counts.sent,
    wrong: counts.wrong,
  };
  samples.push(s);
  if (!values.json) process.stdout.write(`${String(s.seconds).padStart(5)}s  rss ${s.rssMiB} MiB (peak ${s.peakMiB})  heap main ${s.mainHeapMiB} MiB, workers ${s.workerHeapMiB} MiB  handles ${s.handles}  in flight ${s.inFlight}  sent ${s.sent}  wrong ${s.wrong}\n`);
  return s;
}

let crashed = false;
void k.exited.then((r) => {
  if (!stopping) {
    crashed = true;
    process.stderr.write(`soak: kadmit exited (${r.code ?? r.signal}) during the run\n${r.stderr.slice(-2000)}\n`);
  }
});
let stopping = false;
await sample();
const sampler = setInterval(() => void sample(), everyMs);
let next = 0;
await Promise.all(Array.from({ length: concurrency }, async () => {
  while (Date.now() - started < durationMs && !crashed) {
    const n = next++;
    const kind = pick(n);
    counts.byKind[kind.name] = (counts.byKind[kind.name] ?? 0) + 1;
    counts.sent++;
    await kind.run(n).catch((err: unknown) => wrong(kind.name, String(err)));
  }
}));
clearInterval(sampler);
agent.destroy();
// Let the last reviews and the heap settle, then the final reading.
await new Promise((r) => setTimeout(r, Math.min(5_000, durationMs / 4)));
const last = crashed ? samples.at(-1)! : await sample();
stopping = true;
k.child.kill('SIGTERM');
const exit = await k.exited;
rmSync(dir, { recursive: true, force: true });

const peakMiB = Math.max(...samples.map((s) => s.peakMiB));
const checks = {
  noWrongAnswers: counts.wrong === 0,
  noCrash: !crashed,
  peakUnderLimit: peakMiB * MiB < maxRss,
  inFlightZeroAtEnd: last.inFlight === 0,
  cleanExit: exit.code === 0,
};
const report = { durationMs, concurrency, counts, peakMiB, first: samples[0], last, samples, checks };
if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
else {
  process.stdout.write(`sent ${counts.sent} (${JSON.stringify(counts.byKind)}), wrong ${counts.wrong}${counts.wrongExamples.length ? `: ${counts.wrongExamples.join(' | ')}` : ''}\n`);
  for (const [name, ok] of Object.entries(checks)) process.stdout.write(`  ${ok ? 'PASS' : 'FAIL'} ${name}\n`);
}
process.exitCode = Object.values(checks).every(Boolean) ? 0 : 1;
