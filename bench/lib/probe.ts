// One real HTTPS POST of the review, trusting only kadmit's CA: used to wait
// until a server answers and to check that it answers the review correctly.
import https from 'node:https';
import type { ChildProcess } from 'node:child_process';
import { BenchError } from './errors.ts';

export interface Reply {
  status: number;
  text: string;
}

/** `agent`: a keep-alive agent to reuse connections (load); default a new connection per request. */
export function post(url: string, body: Buffer, ca: Buffer, timeoutMs: number, agent: https.Agent | false = false): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, {
      method: 'POST',
      ca,
      agent,
      timeout: timeoutMs,
      headers: { 'content-type': 'application/json', 'content-length': body.length },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (s: string) => (text += s));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.once('error', reject);
    });
    req.once('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once('error', reject);
    req.end(body);
  });
}

/** "allowed" or "denied (code: message)"; throws unless the reply is a 200 review with the request's uid. */
export function judgeReply(reply: Reply, requestUid: string, url: string): string {
  const fail = (why: string) => new BenchError(`${url} answered the review badly: ${why}\n  body: ${reply.text.slice(0, 500)}`);
  if (reply.status !== 200) throw fail(`HTTP ${reply.status}, expected 200`);
  let review: { response?: { uid?: unknown; allowed?: unknown; status?: { code?: unknown; message?: unknown } } };
  try {
    review = JSON.parse(reply.text) as typeof review;
  } catch {
    throw fail('the body is not JSON');
  }
  const r = review.response;
  if (!r || r.uid !== requestUid) throw fail(`response.uid is ${JSON.stringify(r?.uid)}, expected ${requestUid}`);
  if (typeof r.allowed !== 'boolean') throw fail('response.allowed is missing');
  return r.allowed ? 'allowed' : `denied (${String(r.status?.code)}: ${String(r.status?.message)})`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls until the server answers: connection errors are retried (still starting),
 * any HTTP answer is judged at once (a wrong path or status will not fix itself).
 */
export async function waitReady(opts: {
  url: string;
  body: Buffer;
  requestUid: string;
  ca: () => Buffer | undefined;
  child: ChildProcess;
  timeoutMs: number;
  describeFailure: () => string;
}): Promise<string> {
  const until = Date.now() + opts.timeoutMs;
  let last = 'not tried';
  while (Date.now() < until) {
    if (opts.child.exitCode !== null || opts.child.signalCode !== null) {
      throw new BenchError(`the server for ${opts.url} exited (${opts.child.exitCode ?? opts.child.signalCode}) before answering\n${opts.describeFailure()}`);
    }
    const ca = opts.ca();
    if (ca) {
      let reply: Reply | undefined;
      try {
        reply = await post(opts.url, opts.body, ca, 5_000);
      } catch (err) {
        last = (err as Error).message;
      }
      if (reply) return judgeReply(reply, opts.requestUid, opts.url);
    } else {
      last = 'no CA certificate yet';
    }
    await sleep(100);
  }
  throw new BenchError(`${opts.url} did not answer within ${opts.timeoutMs} ms (last: ${last})\n${opts.describeFailure()}`);
}

export async function probeOnce(url: string, body: Buffer, requestUid: string, ca: Buffer): Promise<string> {
  return judgeReply(await post(url, body, ca, 5_000), requestUid, url);
}
