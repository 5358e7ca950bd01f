// kadmit's own CPU per review, measured in the calling process's run: the
// kadmit-inline scenario's server (`kadmit serve --workers 0`, handlers on the
// main thread, its info log to a temp file, pinned to cpu 0 when there are two)
// is sent the scenario's 5 KB Pod review over keep-alive HTTPS connections, and
// its CPU time (/proc, all threads) is divided by the reviews it answered; the
// median of a few rounds after a warm-up. bench/signal-cost.ts states its costs
// as a share of this when it runs alone (under `npm run bench` it takes the
// same figure from the HTTP rounds instead). The load comes from Node's https
// client in this process, not wrk: what is measured is the server's CPU per
// review, which the client's own speed does not change.
import https from 'node:https';
import { mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuSeconds } from './cpu.ts';
import { BenchError } from './errors.ts';
import { REPO_ROOT } from './paths.ts';
import { stopChild, trackDir } from './procs.ts';
import { judgeReply, post, waitReady } from './probe.ts';
import { SCENARIOS } from './scenarios.ts';
import { describeFailure, launchServer, type ServerContext } from './servers.ts';
import { median } from './stats.ts';

export interface InlineReference {
  usPerReview: number;
  /** How it was measured, for the line that quotes it. */
  method: string;
}

const SCENARIO = 'kadmit-inline';
const CONNECTIONS = 16;
const WARMUP_REVIEWS = 1_500;
const ROUNDS = 3;
const REVIEWS_PER_ROUND = 3_000;

/** Sends `count` reviews over CONNECTIONS connections; every answer must be HTTP 200. */
async function load(agent: https.Agent, url: string, body: Buffer, ca: Buffer, count: number): Promise<void> {
  let left = count;
  const connection = async () => {
    while (left > 0) {
      left--;
      const reply = await post(url, body, ca, 10_000, agent);
      if (reply.status !== 200) throw new BenchError(`${url} answered HTTP ${reply.status} under load: ${reply.text.slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, connection));
}

export async function measureInlineReference(): Promise<InlineReference> {
  const scenario = SCENARIOS.find((s) => s.name === SCENARIO);
  if (!scenario) throw new BenchError(`no ${SCENARIO} scenario in bench/lib/scenarios.ts`);
  const review = JSON.parse(readFileSync(join(REPO_ROOT, scenario.body), 'utf8')) as { request: { uid: string } };
  const body = Buffer.from(JSON.stringify(review));
  const tmp = mkdtempSync(join(tmpdir(), 'kadmit-bench-reference-'));
  trackDir(tmp);
  const ctx: ServerContext = { tmp, certDir: join(tmp, 'certs'), shared: undefined, goBinary: undefined, pin: availableParallelism() >= 2 };
  const server = await launchServer(scenario.server, 0, ctx);
  let agent: https.Agent | undefined;
  try {
    const url = `https://127.0.0.1:${server.port}${scenario.path}`;
    const readCa = () => {
      try {
        return readFileSync(join(ctx.certDir, 'ca.crt'));
      } catch {
        return undefined;
      }
    };
    await waitReady({ url, body, requestUid: review.request.uid, ca: readCa, child: server.child, timeoutMs: 30_000, describeFailure: () => describeFailure(server) });
    const ca = readCa();
    if (!ca) throw new BenchError(`${join(ctx.certDir, 'ca.crt')} vanished after the server answered`);
    agent = new https.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
    judgeReply(await post(url, body, ca, 10_000, agent), review.request.uid, url);
    await load(agent, url, body, ca, WARMUP_REVIEWS);
    const pid = server.child.pid!;
    const perRound: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const before = cpuSeconds(pid);
      await load(agent, url, body, ca, REVIEWS_PER_ROUND);
      const after = cpuSeconds(pid);
      if (before === undefined || after === undefined) throw new BenchError('the server\'s CPU time cannot be read (/proc/PID/stat): no reference to measure on this system');
      perRound.push(((after - before) * 1e6) / REVIEWS_PER_ROUND);
    }
    const pinned = ctx.pin ? 'pinned to cpu 0' : 'unpinned (one CPU)';
    return {
      usPerReview: median(perRound),
      method: `kadmit's CPU per review, ${SCENARIO} (${scenario.server.kind === 'kadmit' ? scenario.server.flags.join(' ') : ''}; ${pinned}), ` +
        `measured in this run: median of ${ROUNDS} rounds of ${REVIEWS_PER_ROUND} reviews over ${CONNECTIONS} keep-alive connections [${perRound.map((u) => u.toFixed(0)).join(' ')}]`,
    };
  } finally {
    agent?.destroy();
    await stopChild(server.child);
  }
}
