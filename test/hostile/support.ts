// Shared by the hostile-input tests and the soak: a kadmit child process on
// loopback, its memory as the kernel sees it, and request bodies shaped to hurt.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'node:https';
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI, waitForLog, type Finished } from '../helpers/process.ts';
import { trusting } from '../helpers/https-client.ts';

export interface Kadmit {
  child: ChildProcess;
  pid: number;
  webhookPort: number;
  opsPort: number;
  ca: string;
  exited: Promise<Finished>;
}

/** Starts `kadmit serve` on loopback with a fresh cert dir under `dir`; resolves once it serves. */
export async function startKadmit(dir: string, args: string[] = [], options: { cli?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Kadmit> {
  const certDir = join(dir, 'certs');
  // `cli` (or KADMIT_TEST_CLI) runs another checkout, for the figures before a change.
  const child = spawn(process.execPath, [options.cli ?? process.env.KADMIT_TEST_CLI ?? CLI, 'serve', '--webhook-address', '127.0.0.1:0', '--ops-address', '127.0.0.1:0', '--cert-dir', certDir, ...args],
    { cwd: dir, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = finishedWithTail(child);
  // A run that fails halfway must not leave a server behind.
  const orphaned = () => child.kill('SIGKILL');
  process.once('exit', orphaned);
  void exited.then(() => process.off('exit', orphaned));
  const serving = await waitForLog(child, (l) => l.msg === 'kadmit serving', 30_000);
  return { child, pid: child.pid!, webhookPort: serving.webhook.port, opsPort: serving.ops.port, ca: readFileSync(join(certDir, 'ca.crt'), 'utf8'), exited };
}

/** Like helpers' finished(), keeping only the last 256 KB of output: a long run logs a lot. */
function finishedWithTail(child: ChildProcess): Promise<Finished> {
  const TAIL = 256 * 1024;
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c) => (stdout = (stdout + c).slice(-TAIL)));
  child.stderr?.on('data', (c) => (stderr = (stderr + c).slice(-TAIL)));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/** Resident memory now and its peak so far (bytes), from /proc/<pid>/status. */
export function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

export const MiB = 1024 * 1024;

export interface Answer {
  status: number;
  body: string;
  /** ms from the last byte of the body being handed to the socket to the answer. */
  afterLastByteMs: number;
  error?: string;
}

/** POSTs `body` and reports when the answer came, measured from the end of the upload. */
export function post(port: number, ca: string, path: string, body: string | Buffer, agent?: Agent): Promise<Answer> {
  return new Promise((resolve) => {
    let sentAt = 0;
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', ...trusting(ca), servername: 'kadmit.kadmit.svc', agent: agent ?? false, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), afterLastByteMs: performance.now() - sentAt }));
      res.on('error', (err) => resolve({ status: 0, body: '', afterLastByteMs: performance.now() - sentAt, error: err.message }));
    });
    req.on('error', (err) => resolve({ status: 0, body: '', afterLastByteMs: performance.now() - sentAt, error: err.message }));
    req.end(body, () => (sentAt = performance.now()));
  });
}

// One agent per server, without keep-alive: each hang-up is a connection of its
// own, and the agent's TLS session cache resumes the session the last one got
// (the server sees a new connection either way; resuming spares both sides the
// full handshake's signature and certificate checks).
const hangUpAgents = new Map<string, Agent>();

/**
 * POSTs `body` on a new connection and closes it `afterMs` after the TLS
 * handshake, whatever has come back: the clock starts at the handshake so that,
 * on a loaded machine too, the client leaves mid-review and not mid-handshake.
 */
export function hangUp(port: number, ca: string, path: string, body: string | Buffer, afterMs: number): Promise<void> {
  const key = `${port}\n${ca}`;
  const agent = hangUpAgents.get(key) ?? hangUpAgents.set(key, new Agent({ keepAlive: false })).get(key)!;
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', ...trusting(ca), servername: 'kadmit.kadmit.svc', agent, headers: { 'content-type': 'application/json' } });
    req.on('error', () => resolve());
    req.once('socket', (socket) => socket.once('secureConnect', () => setTimeout(() => {
      req.destroy();
      resolve();
    }, afterMs)));
    req.end(body);
  });
}

/** A Pod CREATE review whose object carries `junk` (raw JSON text) as an extra field; uid and envelope come first, as the apiserver writes them. */
export function reviewAround(uid: string, junk: string): string {
  return `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":${JSON.stringify(uid)},"kind":{"group":"","version":"v1","kind":"Pod"},` +
    '"resource":{"group":"","version":"v1","resource":"pods"},"namespace":"default","name":"web","operation":"CREATE","userInfo":{"username":"mallory"},' +
    `"object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"default"},"spec":{"containers":[{"name":"app","image":"nginx"}]},"junk":${junk}},` +
    '"oldObject":null,"dryRun":false}}';
}

/** The three shapes from the report, each about `bytes` long: many tiny objects, deep arrays, an object with very many keys. */
export const HOSTILE_SHAPES: Record<string, (bytes: number) => string> = {
  'tiny-objects': (bytes) => `[${'{},'.repeat(Math.floor(bytes / 3) - 1)}{}]`,
  'deep-arrays': (bytes) => `${'['.repeat(Math.floor(bytes / 2))}${']'.repeat(Math.floor(bytes / 2))}`,
  'many-keys': (bytes) => {
    const keys: string[] = [];
    let size = 2;
    for (let i = 0; size < bytes; i++) {
      const entry = `"k${i}":0`;
      keys.push(entry);
      size += entry.length + 1;
    }
    return `{${keys.join(',')}}`;
  },
};

/** Runs `count` tasks with at most `concurrency` at a time; results in task order. */
export async function runPool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  }));
  return results;
}
