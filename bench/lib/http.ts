// The HTTP rounds: start every server once, check each answers its review,
// warm each up, then drive the scenarios in turn, round after round, so slow
// drift on a shared machine hits all of them alike.
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BenchError } from './errors.ts';
import { REPO_ROOT, sharedBench } from './paths.ts';
import { stopChild, trackDir } from './procs.ts';
import { probeOnce, waitReady } from './probe.ts';
import type { Scenario } from './scenarios.ts';
import { buildGoPeer, bytesLogged, describeFailure, launchServer, serverKey, tail, type RunningServer, type ServerContext } from './servers.ts';
import { cpuSeconds } from './cpu.ts';
import { median, fmtMs, fmtPct, fmtRps, fmtUs } from './stats.ts';
import { ensureWrk, errorCount, runWrk, type WrkResult } from './wrk.ts';

export interface HttpSettings {
  rounds: number;
  seconds: number;
  conns: number;
  warmupSeconds: number;
}

export interface RoundResult extends WrkResult {
  round: number;
  /** Server CPU time per completed review, in microseconds. */
  cpuUsPerReview: number;
  /** Share of the wall time the server was on its core (near 1: it had the core; lower: starved or not the bottleneck). */
  cpuBusy: number;
}

export interface ScenarioResult {
  name: string;
  description: string;
  skipped?: string;
  url?: string;
  command?: string[];
  /** The decision in the server's reply to the readiness probe. */
  decision?: string;
  rounds: RoundResult[];
  median?: { rps: number; p50Ms: number; p99Ms: number; cpuUsPerReview: number; cpuBusy: number };
  /** kadmit only: bytes its stdout (the log) grew by per review served. */
  logBytesPerReview?: number;
}

export interface HttpResults {
  serverCpu: number | undefined;
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

/** post.lua sends the file as is: one line, no trailing newline, like the apiserver's body. */
function loadBody(rel: string, tmp: string, n: number): Body {
  const path = resolve(REPO_ROOT, rel);
  if (!existsSync(path)) throw new BenchError(`scenario body ${rel} does not exist`);
  const review = JSON.parse(readFileSync(path, 'utf8')) as { request?: { uid?: unknown } };
  const uid = review.request?.uid;
  if (typeof uid !== 'string') throw new BenchError(`${rel} is not an AdmissionReview with request.uid`);
  const bytes = Buffer.from(JSON.stringify(review));
  const file = join(tmp, `body-${n}.json`);
  writeFileSync(file, bytes);
  return { file, bytes, uid };
}

function roundLine(label: string, name: string, r: WrkResult, cpu?: { cpuUsPerReview: number; cpuBusy: number }): string {
  const s = r.socketErrors;
  const errs = errorCount(r) > 0
    ? `  ERRORS: non-2xx ${r.non2xx}, socket connect ${s.connect} read ${s.read} write ${s.write} timeout ${s.timeout}`
    : '';
  const cpuText = cpu ? `  cpu ${fmtUs(cpu.cpuUsPerReview)} us/review, busy ${fmtPct(cpu.cpuBusy)}` : '';
  return `${label}  ${name.padEnd(18)} ${fmtRps(r.rps)} req/s  p50 ${fmtMs(r.p50Ms)} ms  p99 ${fmtMs(r.p99Ms)} ms${cpuText}${errs}`;
}

export async function runHttp(scenarios: readonly Scenario[], settings: HttpSettings): Promise<HttpResults> {
  const shared = sharedBench();
  const notes: string[] = [];
  // Server on one core, load generator on another: neither steals the other's CPU.
  const twoCores = availableParallelism() >= 2;
  const serverCpu = twoCores ? 0 : undefined;
  const wrkCpu = twoCores ? 1 : undefined;
  if (!twoCores) notes.push('fewer than 2 CPUs: servers and wrk share the CPU, numbers are not comparable with pinned runs');

  const loadStart = loadavg()[0]!;
  const tmp = mkdtempSync(join(tmpdir(), 'kadmit-bench-'));
  trackDir(tmp);
  await ensureWrk();

  const results = new Map<string, ScenarioResult>(scenarios.map((s) => [s.name, { name: s.name, description: s.description, rounds: [] }]));
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
  for (const s of active) if (!bodies.has(s.body)) bodies.set(s.body, loadBody(s.body, tmp, bodies.size));

  const ctx: ServerContext = { tmp, certDir: join(tmp, 'certs'), shared, goBinary, cpu: serverCpu };
  const readCa = () => {
    try {
      return readFileSync(join(ctx.certDir, 'ca.crt'));
    } catch {
      return undefined;
    }
  };
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
  let launched = 0;
  try {
    for (const [key, group] of groups) {
      const server = await launchServer(group[0]!.server, launched++, ctx);
      servers.set(key, server);
      try {
        for (const [i, s] of group.entries()) {
          const body = bodies.get(s.body)!;
          const decision = i === 0
            ? await waitReady({ url: urlOf(s), body: body.bytes, requestUid: body.uid, ca: readCa, child: server.child, timeoutMs: 30_000, describeFailure: () => describeFailure(server) })
            : await probeOnce(urlOf(s), body.bytes, body.uid, readCa()!);
          Object.assign(results.get(s.name)!, { url: urlOf(s), command: server.command, decision });
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
    for (const s of measured) console.log(`ready  ${s.name.padEnd(18)} ${results.get(s.name)!.decision}  ${urlOf(s)}`);
    const decisions = new Set(measured.map((s) => `${s.body} ${results.get(s.name)!.decision}`));
    if (decisions.size > new Set(measured.map((s) => s.body)).size) notes.push('servers disagree on the decision for the same body: they are not doing the same work');

    const drive = async (s: Scenario, seconds: number) => {
      const pid = serverOf(s).child.pid!;
      const cpu0 = cpuSeconds(pid) ?? Number.NaN;
      const t0 = performance.now();
      const r = await runWrk({ cpu: wrkCpu, conns: settings.conns, seconds, url: urlOf(s), lua: shared.postLua, bodyFile: bodies.get(s.body)!.file });
      const cpu = (cpuSeconds(pid) ?? Number.NaN) - cpu0;
      // wrk's start-up and report are inside the wall time: busy reads a little low.
      return { ...r, cpuUsPerReview: (cpu * 1e6) / r.requests, cpuBusy: cpu / ((performance.now() - t0) / 1000) };
    };

    for (const s of measured) {
      const r = await drive(s, settings.warmupSeconds);
      serverOf(s).requestsServed += r.requests;
      if (errorCount(r) > 0) console.log(roundLine('warm-up', s.name, r));
    }
    for (let round = 1; round <= settings.rounds; round++) {
      for (const s of measured) {
        const r = await drive(s, settings.seconds);
        serverOf(s).requestsServed += r.requests;
        errors += errorCount(r);
        results.get(s.name)!.rounds.push({ round, ...r });
        console.log(roundLine(`round ${round}/${settings.rounds}`, s.name, r, r));
      }
    }
  } finally {
    for (const server of servers.values()) await stopChild(server.child);
  }

  for (const s of measured) {
    const res = results.get(s.name)!;
    res.median = {
      rps: median(res.rounds.map((r) => r.rps)),
      p50Ms: median(res.rounds.map((r) => r.p50Ms)),
      p99Ms: median(res.rounds.map((r) => r.p99Ms)),
      cpuUsPerReview: median(res.rounds.map((r) => r.cpuUsPerReview)),
      cpuBusy: median(res.rounds.map((r) => r.cpuBusy)),
    };
    const server = serverOf(s);
    if (s.server.kind === 'kadmit' && server.requestsServed > 0) res.logBytesPerReview = bytesLogged(server) / server.requestsServed;
  }
  // A server well short of its core was not what limited req/s (wrk or other load was).
  const starved = measured.filter((s) => results.get(s.name)!.median!.cpuBusy < BUSY_FLOOR);
  if (starved.length > 0) {
    notes.push(`server core busy under ${BUSY_FLOOR * 100}% of the run for ${starved.map((s) => s.name).join(', ')}: ` +
      'the load generator or other processes set the pace, so req/s ratios understate the difference; read the by-CPU ratios');
  }
  const loadEnd = loadavg()[0]!;
  if (Math.max(loadStart, loadEnd) > availableParallelism()) {
    notes.push(`the machine was busy with other work (1-min load average ${loadStart.toFixed(1)} at start, ${loadEnd.toFixed(1)} at end, ${availableParallelism()} CPUs)`);
  }
  return { serverCpu, wrkCpu, loadAverage: [loadStart, loadEnd], scenarios: [...results.values()], errors, notes };
}
