// The HTTP rounds: start every server once, check each answers its review,
// warm each up, then drive the scenarios in turn, round after round, so slow
// drift on a shared machine hits all of them alike.
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join, relative, resolve } from 'node:path';
import { BenchError } from './errors.ts';
import { reviewBody } from './bodies.ts';
import { readyAfterMs, rssMiB } from './memory.ts';
import { REPO_ROOT, sharedBench } from './paths.ts';
import { stopChild, trackDir } from './procs.ts';
import { probeOnce, waitReady } from './probe.ts';
import { serverCpus, type Scenario, type ServerCpus } from './scenarios.ts';
import { buildCommandLine, buildGoPeer, bytesLogged, describeFailure, launchServer, serverKey, tail, warmCompileCache, type RunningServer, type ServerContext } from './servers.ts';
import { cpuSeconds, medianSplit, reapedChildrenCpuSeconds, splitCpu, splitPerReview, threadCpuSeconds, type CpuSplit } from './cpu.ts';
import { poolState, samplePool, waitPoolSettled, type PoolSamples, type PoolState } from './ops.ts';
import { startSpinner, type SpinStats } from './spinner.ts';
import { median, fmtCores, fmtMs, fmtRps, fmtUs } from './stats.ts';
import { ensureWrk, errorCount, reportingScript, runWrk, type WrkResult } from './wrk.ts';

export interface HttpSettings {
  rounds: number;
  seconds: number;
  conns: number;
  warmupSeconds: number;
  /** Quiet time after the last run before the rested memory reading. */
  restSeconds: number;
}

/**
 * How long a server is left alone after its first answer before its idle memory
 * is read. kadmit gives back its start-up garbage once it has been quiet for 2 s,
 * checked each second (serve.ts, heap-tidy.ts): 2-3 s after the probe. A reading
 * at 2 s could come before it (`--workers 2`, one review, RSS each 0.5 s after it,
 * six fresh servers: 138-140 MiB at first, 121-123 once tidied).
 */
const IDLE_SETTLE_MS = 4_000;

export interface RoundResult extends WrkResult {
  round: number;
  /** Server CPU time per completed review, in microseconds. */
  cpuUsPerReview: number;
  /**
   * Server CPU seconds per wall second: cores kept busy, all threads together.
   * Up to 1.00 on one core (near 1: it had the core; lower: starved or not the
   * bottleneck); up to 2.00 when it may use both.
   */
  cpuBusy: number;
  /** The same for the server's main thread alone (Node's event loop). */
  mainBusy: number;
  /** cpuUsPerReview by kind of thread (cpu.ts); absent where /proc has no threads to read. */
  cpuSplitUs?: CpuSplit;
  /** wrk's CPU seconds per wall second (it is single-threaded: near 1.00, wrk set the pace). */
  wrkBusy: number;
  /** kadmit with a pool: workers the watchdog replaced during the run. */
  workersReplaced?: number;
  /** kadmit: reviews of the measured load answered by failurePolicy (e.g. at their deadline) instead of by the handler. */
  failureAnswers?: number;
  spin?: SpinSummary;
}

export interface SpinSummary {
  sent: number;
  answered504: number;
  answeredOther: number;
  failed: number;
  /** From sending a spinning review to its failurePolicy answer. */
  latencyP50Ms: number;
  latencyMaxMs: number;
  /** The pool was back to full size, nothing stalled, within 15 s of the run. */
  poolRecovered: boolean;
  /** The pool sampled every 100 ms during the run. */
  pool: PoolSamples;
}

export interface ScenarioResult {
  name: string;
  description: string;
  cpus: ServerCpus;
  skipped?: string;
  url?: string;
  /** kadmit: worker pool size found on the ops port at start (0: handlers inline). */
  workers?: number;
  command?: string[];
  /** The decision in the server's reply to the readiness probe. */
  decision?: string;
  rounds: RoundResult[];
  median?: { rps: number; p50Ms: number; p99Ms: number; p999Ms: number; maxMs: number; cpuUsPerReview: number; cpuBusy: number; mainBusy: number; wrkBusy: number; cpuSplitUs?: CpuSplit };
  /** kadmit only: bytes its stdout (the log) grew by per review served. */
  logBytesPerReview?: number;
  /** The server's process (shared by scenarios with the same server): its memory and start-up. */
  memory?: ServerMemory;
  /** Connections wrk held open. */
  conns: number;
  /** Size of the body sent, in bytes. */
  bodyBytes?: number;
}

export interface ServerMemory {
  /** Resident MiB once it answered its first review and settled, before any load. */
  idleMiB?: number;
  /** Right after its last measured run. */
  loadedMiB?: number;
  /** After the last run and `restSeconds` without requests. */
  restedMiB?: number;
  restSeconds: number;
  /** Requests it served in all (warm-up included). */
  reviews: number;
  /** kadmit: spawn to its "kadmit serving" line. */
  readyMs?: number;
}

export interface HttpResults {
  /** Whether servers and wrk were pinned (machines with 2+ CPUs). */
  pinned: boolean;
  wrkCpu: number | undefined;
  /** 1-minute load average before and after the HTTP rounds. */
  loadAverage: [number, number];
  scenarios: ScenarioResult[];
  errors: number;
  notes: string[];
}

const BUSY_FLOOR = 0.8;

interface Body {
  file: string;
  bytes: Buffer;
  uid: string;
}

const bodyKey = (s: Scenario) => `${s.body}@${s.bodyBytes ?? 'as is'}`;

/** post.lua sends the file as is: one line, no trailing newline, like the apiserver's body. */
function loadBody(s: Scenario, tmp: string, n: number): Body {
  const rel = s.body;
  if (!existsSync(resolve(REPO_ROOT, rel))) throw new BenchError(`scenario body ${rel} does not exist`);
  const bytes = reviewBody(rel, s.bodyBytes);
  const uid = (JSON.parse(bytes.toString('utf8')) as { request?: { uid?: unknown } }).request?.uid;
  if (typeof uid !== 'string') throw new BenchError(`${rel} is not an AdmissionReview with request.uid`);
  const file = join(tmp, `body-${n}.json`);
  writeFileSync(file, bytes);
  return { file, bytes, uid };
}

/** Errors of one run: wrk's, failurePolicy answers to the measured load, spinning reviews not answered 504. */
function runErrors(r: WrkResult & Partial<RoundResult>): number {
  return errorCount(r) + (r.failureAnswers ?? 0) + (r.spin ? r.spin.answeredOther + r.spin.failed : 0);
}

function roundLine(label: string, name: string, r: WrkResult & Partial<RoundResult>): string {
  const s = r.socketErrors;
  const errs = runErrors(r) > 0
    ? `  ERRORS: non-2xx ${r.non2xx}, socket connect ${s.connect} read ${s.read} write ${s.write} timeout ${s.timeout}` +
      `, failurePolicy answers ${r.failureAnswers ?? 0}${r.spin ? `, spin answered otherwise ${r.spin.answeredOther}, unanswered ${r.spin.failed}` : ''}`
    : '';
  const cpuText = r.cpuUsPerReview === undefined ? '' : `  cpu ${fmtUs(r.cpuUsPerReview)} us/review, cores busy ${fmtCores(r.cpuBusy!)} (main ${fmtCores(r.mainBusy!)}), wrk ${fmtCores(r.wrkBusy!)}`;
  const spin = r.spin
    ? `  spin: ${r.spin.answered504}/${r.spin.sent} answered 504 (p50 ${r.spin.latencyP50Ms.toFixed(0)} ms, max ${r.spin.latencyMaxMs.toFixed(0)} ms), ` +
      `${r.workersReplaced ?? 0} workers replaced, no usable worker in ${share(r.spin.pool.noneUsable, r.spin.pool.samples)} of samples` +
      `${r.spin.poolRecovered ? '' : ', POOL NOT RECOVERED'}`
    : r.workersReplaced ? `  ${r.workersReplaced} workers replaced` : '';
  return `${label}  ${name.padEnd(18)} ${fmtRps(r.rps)} req/s  p50 ${fmtMs(r.p50Ms)} ms  p99 ${fmtMs(r.p99Ms)} ms${cpuText}${spin}${errs}`;
}

const share = (n: number, of: number) => (of > 0 ? `${Math.round((n / of) * 100)}%` : '-');

function summarizeSpin(stats: SpinStats, poolRecovered: boolean, pool: PoolSamples): SpinSummary {
  const { latencyMs, ...counts } = stats;
  return { ...counts, latencyP50Ms: median(latencyMs), latencyMaxMs: latencyMs.length ? Math.max(...latencyMs) : Number.NaN, poolRecovered, pool };
}

export async function runHttp(scenarios: readonly Scenario[], settings: HttpSettings): Promise<HttpResults> {
  const shared = sharedBench();
  const notes: string[] = [];
  // Server on one core, load generator on another: neither steals the other's CPU
  // (except in scenarios that give the server both cores, and say so).
  const twoCores = availableParallelism() >= 2;
  const wrkCpu = twoCores ? 1 : undefined;
  if (!twoCores) notes.push('fewer than 2 CPUs: servers and wrk share the CPU, numbers are not comparable with pinned runs');

  const loadStart = loadavg()[0]!;
  const tmp = mkdtempSync(join(tmpdir(), 'kadmit-bench-'));
  trackDir(tmp);
  await ensureWrk();
  const lua = reportingScript(tmp, shared.postLua);

  const results = new Map<string, ScenarioResult>(scenarios.map((s) => [s.name, {
    name: s.name, description: s.description, cpus: serverCpus(s.server), rounds: [], conns: s.conns ?? settings.conns,
  }]));
  let goBinary: string | undefined;
  if (scenarios.some((s) => s.server.kind === 'go')) {
    const go = await buildGoPeer({ tmp, shared });
    goBinary = go.binary;
    if (!goBinary) {
      for (const s of scenarios) if (s.server.kind === 'go') results.get(s.name)!.skipped = go.note;
    }
  }
  const active = scenarios.filter((s) => !results.get(s.name)!.skipped);

  const bodies = new Map<string, Body>();
  for (const s of active) if (!bodies.has(bodyKey(s))) bodies.set(bodyKey(s), loadBody(s, tmp, bodies.size));
  for (const s of active) results.get(s.name)!.bodyBytes = bodies.get(bodyKey(s))!.bytes.length;

  const ctx: ServerContext = { tmp, certDir: join(tmp, 'certs'), shared, goBinary, pin: twoCores };
  const readCa = () => {
    try {
      return readFileSync(join(ctx.certDir, 'ca.crt'));
    } catch {
      return undefined;
    }
  };
  // Every kadmit checkout under test built as it ships, then started once, so that no measured start compiles (servers.ts).
  const roots = [...new Set(active.flatMap((s) => (s.server.kind === 'kadmit' ? [s.server.root ?? REPO_ROOT] : [])))];
  const entries = new Map<string, string>();
  ctx.entries = entries;
  for (const [i, root] of roots.entries()) {
    const building = Date.now();
    const entry = await buildCommandLine(root);
    entries.set(root, entry);
    console.log(`built: ${root} runs ${relative(root, entry)} (${Date.now() - building} ms)`);
    const ms = await warmCompileCache(root, join(tmp, `warm-certs-${i}`), entry);
    console.log(`compile cache: ${root} started once ${ms === undefined ? 'and did not serve within 30 s (its measured start will say why)' : `(${ms} ms)`}`);
  }
  // kadmit first: it creates the certificate the peers serve with.
  const groups = new Map<string, Scenario[]>();
  for (const s of [...active].sort((a, b) => Number(b.server.kind === 'kadmit') - Number(a.server.kind === 'kadmit'))) {
    const key = serverKey(s.server);
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const servers = new Map<string, RunningServer>();
  const serverOf = (s: Scenario) => servers.get(serverKey(s.server))!;
  const urlOf = (s: Scenario) => `https://127.0.0.1:${serverOf(s).port}${s.path}`;

  let errors = 0;
  let measured: Scenario[] = [];
  const memories = new Map<string, ServerMemory>();
  let launched = 0;
  try {
    for (const [key, group] of groups) {
      const server = await launchServer(group[0]!.server, launched++, ctx);
      servers.set(key, server);
      try {
        for (const [i, s] of group.entries()) {
          const body = bodies.get(bodyKey(s))!;
          const decision = i === 0
            ? await waitReady({ url: urlOf(s), body: body.bytes, requestUid: body.uid, ca: readCa, child: server.child, timeoutMs: 30_000, describeFailure: () => describeFailure(server) })
            : await probeOnce(urlOf(s), body.bytes, body.uid, readCa()!);
          Object.assign(results.get(s.name)!, { url: urlOf(s), command: server.command, decision });
        }
        if (server.opsPort !== undefined) {
          const workers = (await poolState(server.opsPort)).size;
          for (const s of group) results.get(s.name)!.workers = workers;
        }
      } catch (err) {
        if (!(err instanceof BenchError) || !group.every((s) => s.optional)) throw err;
        await stopChild(server.child);
        servers.delete(key);
        // The server's last words (e.g. Go refusing the certificate) are the short reason.
        const said = tail(server.stderrFile, 1) || err.message.split('\n')[0];
        for (const s of group) results.get(s.name)!.skipped = `skipped: it did not start: ${said}`;
        console.log(`skip   ${group.map((s) => s.name).join(', ')}: ${err.message}`);
      }
    }
    measured = active.filter((s) => !results.get(s.name)!.skipped);
    // Idle memory: every server has answered its probe; none has had load yet.
    await sleep(IDLE_SETTLE_MS);
    for (const server of servers.values()) {
      const pid = server.child.pid!;
      memories.set(server.key, { idleMiB: rssMiB(pid), restSeconds: settings.restSeconds, reviews: 0, readyMs: server.opsPort === undefined ? undefined : readyAfterMs(server.stdoutFile, server.spawnedAt) });
    }
    for (const s of measured) {
      const r = results.get(s.name)!;
      const workers = r.workers === undefined ? '' : r.workers === 0 ? 'inline, ' : `${r.workers} worker${r.workers === 1 ? '' : 's'}, `;
      console.log(`ready  ${s.name.padEnd(18)} ${r.decision}  cpu ${r.cpus}, ${workers}${urlOf(s)}`);
    }
    const decisions = new Set(measured.map((s) => `${bodyKey(s)} ${results.get(s.name)!.decision}`));
    if (decisions.size > new Set(measured.map(bodyKey)).size) notes.push('servers disagree on the decision for the same body: they are not doing the same work');

    const drive = async (s: Scenario, seconds: number): Promise<Omit<RoundResult, 'round'>> => {
      const server = serverOf(s);
      const body = bodies.get(bodyKey(s))!;
      const pid = server.child.pid!;
      // The ops port is read outside the measured window: a scrape costs the server CPU.
      const before: PoolState | undefined = server.opsPort === undefined ? undefined : await poolState(server.opsPort);
      const cpu0 = cpuSeconds(pid) ?? Number.NaN;
      const threads0 = threadCpuSeconds(pid);
      const wrk0 = reapedChildrenCpuSeconds() ?? Number.NaN;
      const t0 = performance.now();
      const spinner = s.spinner ? startSpinner(`https://127.0.0.1:${server.port}${s.spinner.path}`, body.bytes, readCa()!, s.spinner.everyMs) : undefined;
      const sampler = s.spinner && server.opsPort !== undefined ? samplePool(server.opsPort, 100) : undefined;
      let r: WrkResult;
      try {
        r = await runWrk({ cpu: wrkCpu, conns: s.conns ?? settings.conns, seconds, url: urlOf(s), lua, bodyFile: body.file });
      } catch (err) {
        await Promise.all([spinner?.stop(), sampler?.stop()]);
        throw err;
      }
      const cpu = (cpuSeconds(pid) ?? Number.NaN) - cpu0;
      const threads1 = threadCpuSeconds(pid);
      const wall = (performance.now() - t0) / 1000;
      const wrkCpuUsed = (reapedChildrenCpuSeconds() ?? Number.NaN) - wrk0;
      // wrk's start-up and report are inside the wall time: busy reads a little low.
      // The main thread's share comes from the same reading as the split (its thread id is the pid).
      const split = threads0 && threads1 ? splitCpu(threads0, threads1, cpu) : undefined;
      const out: Omit<RoundResult, 'round'> = { ...r, cpuUsPerReview: (cpu * 1e6) / r.requests, cpuBusy: cpu / wall, mainBusy: (split?.main ?? Number.NaN) / wall, wrkBusy: wrkCpuUsed / wall };
      if (split) out.cpuSplitUs = splitPerReview(split, r.requests);
      const sampled = await sampler?.stop();
      const spun = await spinner?.stop();
      if (server.opsPort !== undefined && before) {
        // Spinning reviews still blocking a worker are replaced at their deadline: wait
        // for that, so the next run starts with a full pool and the count is complete.
        const { state, settled } = await waitPoolSettled(server.opsPort);
        if (state.size > 0) out.workersReplaced = state.replaced - before.replaced;
        out.failureAnswers = state.failureAnswers - before.failureAnswers - (spun?.answered504 ?? 0);
        if (spun) out.spin = summarizeSpin(spun, settled, sampled ?? { samples: 0, noneUsable: 0, allUsable: 0 });
      }
      return out;
    };

    for (const s of measured) {
      const r = await drive(s, settings.warmupSeconds);
      serverOf(s).requestsServed += r.requests;
      if (runErrors(r) > 0) console.log(roundLine('warm-up', s.name, r));
    }
    for (let round = 1; round <= settings.rounds; round++) {
      for (const s of measured) {
        const r = await drive(s, settings.seconds);
        serverOf(s).requestsServed += r.requests;
        errors += runErrors(r);
        results.get(s.name)!.rounds.push({ round, ...r });
        console.log(roundLine(`round ${round}/${settings.rounds}`, s.name, r));
      }
    }
    await readMemoryAfterLoad(servers, memories, settings.restSeconds);
  } finally {
    for (const server of servers.values()) await stopChild(server.child);
  }

  for (const s of measured) {
    const res = results.get(s.name)!;
    res.median = {
      rps: median(res.rounds.map((r) => r.rps)),
      p50Ms: median(res.rounds.map((r) => r.p50Ms)),
      p99Ms: median(res.rounds.map((r) => r.p99Ms)),
      p999Ms: median(res.rounds.map((r) => r.p999Ms)),
      maxMs: median(res.rounds.map((r) => r.maxMs)),
      cpuUsPerReview: median(res.rounds.map((r) => r.cpuUsPerReview)),
      cpuBusy: median(res.rounds.map((r) => r.cpuBusy)),
      mainBusy: median(res.rounds.map((r) => r.mainBusy)),
      wrkBusy: median(res.rounds.map((r) => r.wrkBusy)),
    };
    const split = medianSplit(res.rounds.map((r) => r.cpuSplitUs));
    if (split) res.median.cpuSplitUs = split;
    const server = serverOf(s);
    res.memory = memories.get(server.key);
    if (s.server.kind === 'kadmit' && server.requestsServed > 0) res.logBytesPerReview = bytesLogged(server) / server.requestsServed;
  }
  // A server well short of its one core was not what limited req/s (wrk or other load was).
  const starved = measured.filter((s) => serverCpus(s.server) === '0' && results.get(s.name)!.median!.cpuBusy < BUSY_FLOOR);
  if (starved.length > 0) {
    notes.push(`server core busy under ${BUSY_FLOOR * 100}% of the run for ${starved.map((s) => s.name).join(', ')}: ` +
      'the load generator or other processes set the pace, so req/s ratios understate the difference; read the by-CPU ratios');
  }
  const shared2 = measured.filter((s) => serverCpus(s.server) === '0,1');
  if (twoCores && shared2.length > 0) {
    notes.push(`${shared2.map((s) => s.name).join(', ')} may use cpus 0 and 1 and so share cpu 1 with wrk: ` +
      'their req/s is what two cores give with the load generator on one of them; cores busy above 1.00 shows the second core in use');
  }
  const replacedUnasked = measured.filter((s) => !s.spinner && results.get(s.name)!.rounds.some((r) => (r.workersReplaced ?? 0) > 0));
  if (replacedUnasked.length > 0) notes.push(`workers were replaced without a spinning handler in ${replacedUnasked.map((s) => s.name).join(', ')}: the watchdog took a busy worker for a blocked one`);
  const loadEnd = loadavg()[0]!;
  if (Math.max(loadStart, loadEnd) > availableParallelism()) {
    notes.push(`the machine was busy with other work (1-min load average ${loadStart.toFixed(1)} at start, ${loadEnd.toFixed(1)} at end, ${availableParallelism()} CPUs)`);
  }
  return { pinned: twoCores, wrkCpu, loadAverage: [loadStart, loadEnd], scenarios: [...results.values()], errors, notes };
}

/** Memory right after the load, then after a rest with no requests (what a quiet replica holds). */
async function readMemoryAfterLoad(servers: ReadonlyMap<string, RunningServer>, memories: Map<string, ServerMemory>, restSeconds: number): Promise<void> {
  for (const server of servers.values()) {
    const memory = memories.get(server.key);
    if (!memory) continue;
    memory.loadedMiB = rssMiB(server.child.pid!);
    memory.reviews = server.requestsServed;
  }
  console.log(`resting ${restSeconds} s before the last memory reading`);
  await sleep(restSeconds * 1000);
  for (const server of servers.values()) {
    const memory = memories.get(server.key);
    if (memory) memory.restedMiB = rssMiB(server.child.pid!);
  }
}
