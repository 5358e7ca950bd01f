import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { KadmitError, errorMessage } from '../errors.ts';
import { systemClock } from './clock.ts';
import type { Clock } from './clock.ts';
import { noopCertMetrics } from './ports.ts';
import type { CertMetrics, ServingSink } from './ports.ts';
import type { ServingMaterial } from './types.ts';
import { verifyPair } from './verify.ts';
import type { CertificateFacts } from './verify.ts';

// External mode (cert-manager or any provider writes the files): load the
// pair, reload on change, and keep serving the last good pair when a read
// fails or a half-updated pair does not match. No caBundle management.
// Changes are noticed through fs.watch on the directories (a Secret volume
// swaps a `..data` symlink, which shows up as events there) and a periodic
// comparison, because file events are not guaranteed on every filesystem.

export interface ExternalCertificatesOptions {
  certPath: string;
  keyPath: string;
  /** Optional CA bundle to report as `material.ca` (not used to verify the chain). */
  caPath?: string;
  /** Names the certificate must cover, e.g. `<svc>.<ns>.svc`; a pair lacking one is refused. */
  hosts?: readonly string[];
  /** Periodic check; capped at 60 s. Default 10 s. */
  pollIntervalMs?: number;
  /** Wait after a file event for the sibling files to be written. Default 100 ms. */
  settleMs?: number;
  sink: ServingSink;
  log: Logger;
  metrics?: CertMetrics;
  clock?: Clock;
}

export interface ExternalStatus {
  serving?: CertificateFacts;
  lastError?: { message: string; at: string };
  reloads: number;
}

export interface ExternalCertificates {
  start(): void;
  ready(): Promise<ServingMaterial>;
  material(): ServingMaterial | undefined;
  /** Reads the files now; resolves true when a new pair was taken. */
  reload(): Promise<boolean>;
  status(): ExternalStatus;
  stop(): Promise<void>;
}

export function createExternalCertificates(opts: ExternalCertificatesOptions): ExternalCertificates {
  const { log, sink } = opts;
  const clock = opts.clock ?? systemClock;
  const metrics = opts.metrics ?? noopCertMetrics;
  const pollMs = Math.min(60_000, opts.pollIntervalMs ?? 10_000);
  const settleMs = opts.settleMs ?? 100;
  let current: ServingMaterial | undefined;
  let facts: CertificateFacts | undefined;
  let lastError: ExternalStatus['lastError'];
  let reloads = 0;
  let stopped = false;
  let running: Promise<boolean> | undefined;
  let rerun = false;
  let poller: NodeJS.Timeout | undefined;
  let settle: NodeJS.Timeout | undefined;
  const watchers: FSWatcher[] = [];
  let resolveReady!: (m: ServingMaterial) => void;
  let rejectReady!: (e: Error) => void;
  const readyPromise = new Promise<ServingMaterial>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  readyPromise.catch(() => {});

  async function load(): Promise<boolean> {
    try {
      const [cert, key, ca] = await Promise.all([
        readFile(opts.certPath, 'utf8'),
        readFile(opts.keyPath, 'utf8'),
        opts.caPath ? readFile(opts.caPath, 'utf8') : Promise.resolve(''),
      ]);
      if (current && current.cert === cert && current.key === key && current.ca === ca) return false;
      const checked = verifyPair({ cert, key, hosts: opts.hosts, now: clock() });
      current = { cert, key, ca };
      facts = checked;
      reloads++;
      metrics.rotation('serving');
      metrics.notAfter('serving', checked.notAfter);
      log.info({ notAfter: checked.notAfter.toISOString(), subject: checked.subject }, 'serving certificate loaded');
      sink.update(current);
      resolveReady(current);
      return true;
    } catch (err) {
      metrics.error('load-external');
      lastError = { message: errorMessage(err), at: clock().toISOString() };
      log.warn({ err: lastError.message, keeping: facts?.fingerprint256 }, 'serving certificate not reloaded; keeping the last good one');
      return false;
    }
  }

  // One load at a time; a request during a load runs once more afterwards.
  function reload(): Promise<boolean> {
    if (running) {
      rerun = true;
      return running;
    }
    running = load().finally(() => {
      running = undefined;
      if (rerun && !stopped) {
        rerun = false;
        void reload();
      }
    });
    return running;
  }

  function onEvent(): void {
    if (stopped) return;
    if (settle) clearTimeout(settle);
    settle = setTimeout(() => void reload(), settleMs);
    settle.unref();
  }

  return {
    start() {
      if (poller || stopped) return;
      const dirs = new Set([opts.certPath, opts.keyPath, ...(opts.caPath ? [opts.caPath] : [])].map((p) => dirname(p)));
      for (const dir of dirs) {
        try {
          const w = watch(dir, { persistent: false }, onEvent);
          w.on('error', (err) => log.warn({ err: errorMessage(err), dir }, 'file watch failed; relying on the periodic check'));
          watchers.push(w);
        } catch (err) {
          log.warn({ err: errorMessage(err), dir }, 'cannot watch directory; relying on the periodic check');
        }
      }
      poller = setInterval(() => void reload(), pollMs);
      poller.unref();
      void reload();
    },
    ready: () => readyPromise,
    material: () => current,
    reload,
    status: () => ({ ...(facts && { serving: facts }), ...(lastError && { lastError }), reloads }),
    async stop() {
      stopped = true;
      if (poller) clearInterval(poller);
      if (settle) clearTimeout(settle);
      for (const w of watchers.splice(0)) w.close();
      await running;
      rejectReady(new KadmitError('KADMIT_CERT_STOPPED', 'external certificate loading stopped'));
    },
  };
}
