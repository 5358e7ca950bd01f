import type { Logger } from 'pino';
import { KadmitError, errorMessage } from '../errors.ts';
import { backoffDelay } from './backoff.ts';
import type { BackoffOptions } from './backoff.ts';
import { caStep, caWakeDelay, initialCaMachine } from './ca-machine.ts';
import type { CaEffect, CaEvent, CaMachine, CaMachineConfig, CaReport } from './ca-machine.ts';
import { caEntry } from './ca-state.ts';
import { systemClock } from './clock.ts';
import type { Clock } from './clock.ts';
import { drive } from './drive.ts';
import { issueCa, issueServing } from './issue.ts';
import { createKeyReserve, generateRsaKeyPair } from './keys.ts';
import { createLoop } from './loop.ts';
import { servingNames } from './names.ts';
import { noopCertMetrics } from './ports.ts';
import type { BundleTargets, CertEvents, CertMetrics, CertOperation, ServingSink, StateDocumentStore } from './ports.ts';
import { rotatorStatus, subjectOf } from './rotator-status.ts';
import type { RotatorStatus } from './rotator-status.ts';
import { initialServingMachine, servingStep, servingWakeDelay } from './serving-machine.ts';
import type { Leaf, ServingEffect, ServingEvent, ServingMachine, ServingMachineConfig, ServingReport } from './serving-machine.ts';
import { isStateRace } from './store-errors.ts';
import { resolveLifetimes } from './types.ts';
import type { CertLifetimes, ServingMaterial } from './types.ts';
import { verifyServing } from './verify.ts';

export type { CertSummary, RotatorStatus } from './rotator-status.ts';

// The rotation engine. Independent of where the state lives (Secret, files)
// and of how trust is published (caBundle fields, or nothing locally). Two
// loops per replica, each a state machine run by this driver: the CA loop
// (ca-machine.ts) talks to the API and may take a while (key generation,
// retries, backoff); the serving loop (serving-machine.ts) only renews this
// replica's leaf from the state already held, so a slow or failing API can
// never make the served leaf run out. The machines decide; the driver
// performs their effects (store, caBundles, issuing, the sink), turns their
// reports into logs, events and metrics, and keeps the timers (loop.ts).
// Cycles run on a short timer (never one long one), on watch events, and with
// backoff after errors; serving never stops.

export interface RotatorOptions {
  store: StateDocumentStore;
  /** caBundle fields to keep in step; absent in file mode. */
  targets?: BundleTargets;
  sink: ServingSink;
  serviceName: string;
  namespace: string;
  local?: boolean;
  extraDnsNames?: readonly string[];
  lifetimes?: Partial<CertLifetimes>;
  /** Time a next CA must have been published everywhere before it signs. Default 30 s. */
  graceMs?: number;
  /** Wall-clock check interval; capped at 60 s. Default 30 s. */
  checkIntervalMs?: number;
  /** Keep the serving pair in the document too (file mode: tls.crt, tls.key). */
  persistServing?: boolean;
  backoff?: Partial<BackoffOptions>;
  log: Logger;
  metrics?: CertMetrics;
  events?: CertEvents;
  clock?: Clock;
  modulusLength?: number;
}

export interface CertRotator {
  /** Starts the cycles (first one at once). */
  start(): void;
  /** Resolves with the first serving material (rejects only if stopped first). */
  ready(): Promise<ServingMaterial>;
  material(): ServingMaterial | undefined;
  /** Runs one full cycle now; throws what the cycle hit. For tests and tools. */
  runOnce(): Promise<void>;
  status(): RotatorStatus;
  stop(): Promise<void>;
}

const MAX_CHECK_MS = 60_000;

export function createCertRotator(opts: RotatorOptions): CertRotator {
  const { store, targets, sink, log } = opts;
  const clock = opts.clock ?? systemClock;
  const metrics = opts.metrics ?? noopCertMetrics;
  const lifetimes = resolveLifetimes(opts.lifetimes);
  const graceMs = opts.graceMs ?? 30_000;
  const checkMs = Math.min(MAX_CHECK_MS, opts.checkIntervalMs ?? 30_000);
  const backoff: BackoffOptions = { initialMs: 1_000, maxMs: checkMs, ...opts.backoff };
  const caConfig: CaMachineConfig = { plan: { graceMs, servingMs: lifetimes.servingMs }, lifetimes, checkMs, hasTargets: targets !== undefined };
  const servingConfig: ServingMachineConfig = { graceMs, checkMs, persistServing: opts.persistServing ?? false };
  const names = servingNames({
    serviceName: opts.serviceName,
    namespace: opts.namespace,
    local: opts.local ?? false,
    extraNames: opts.extraDnsNames,
  });
  const hosts = [...names.dnsNames, ...names.ipAddresses];
  // Keys are made ahead: for the next CA, creation, publication and the grace
  // period must all fit in the last third of the current CA's life.
  const caKeys = createKeyReserve(() => generateRsaKeyPair(opts.modulusLength));
  const servingKeys = createKeyReserve(() => generateRsaKeyPair(opts.modulusLength));

  let ca: CaMachine = initialCaMachine;
  let serving: ServingMachine = initialServingMachine;
  let lastError: RotatorStatus['lastError'];
  let failures = 0;

  let stopped = false;
  let started = false;
  const unsubscribe: Array<() => void> = [];
  let resolveReady!: (m: ServingMaterial) => void;
  let rejectReady!: (e: Error) => void;
  const readyPromise = new Promise<ServingMaterial>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  readyPromise.catch(() => {}); // stop() before ready must not be an unhandled rejection

  // A lost race (409, AlreadyExists, 404) is no failure: the machine re-reads.
  async function op<T>(name: CertOperation, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (!isStateRace(err)) {
        metrics.error(name);
        lastError = { operation: name, message: errorMessage(err), at: clock().toISOString() };
      }
      throw err;
    }
  }

  // ---- the CA loop's effects and reports -------------------------------------

  async function performCa(effect: CaEffect): Promise<CaEvent> {
    switch (effect.type) {
      case 'read-state':
        return { type: 'state-read', doc: await op('read-state', () => store.read()) };
      case 'read-targets': // asked for only when there are targets
        return { type: 'targets-read', fields: await op('read-targets', () => targets!.read()) };
      case 'issue-ca': {
        // A first start needs a serving key right after the CA: both keys are made at
        // once rather than one after the other (later CAs find a serving spare made).
        servingKeys.prepare();
        const issued = await op('issue', async () =>
          issueCa({ lifetimeMs: lifetimes.caMs, backdateMs: lifetimes.backdateMs, now: effect.now, keys: await caKeys.take() }),
        );
        return { type: 'ca-issued', ca: caEntry(issued) };
      }
      case 'write-state':
        try {
          const { data, version } = effect;
          const doc = await op('write-state', () => (version === undefined ? store.create(data) : store.replace(data, version)));
          return { type: 'state-written', doc };
        } catch (err) {
          if (isStateRace(err)) return { type: 'state-write-lost' };
          throw err;
        }
      case 'write-target': {
        const ok = await op('write-targets', () => targets!.write(effect.id, effect.expected, effect.next));
        if (ok) log.info({ target: effect.id }, 'caBundle updated');
        return { type: 'target-written', ok };
      }
    }
  }

  function reportCa(report: CaReport): void {
    switch (report.type) {
      case 'announce': {
        const t = report.transition;
        const detail = report.ca ? { subject: subjectOf(report.ca.cert), fingerprint: report.ca.fingerprint } : {};
        log.info({ transition: t, ...detail }, `CA rotation: ${t}`);
        opts.events?.emit('CARotationPhase', `CA ${t}: ${detail.subject ?? ''}`.trim());
        if (t === 'promoted') metrics.rotation('ca');
        return;
      }
      case 'state-damaged':
        log.warn({ problems: report.problems }, 'CA state document is damaged; repairing it, published CAs stay trusted');
        opts.events?.emit('CertificateError', `CA state damaged: ${report.problems.join('; ')}`);
        return;
      case 'restored-from-memory':
        log.warn({ fingerprint: report.fingerprint }, 'CA state lost its current CA; restoring it from this replica');
        return;
      case 'adopted-published':
        log.warn({ adopted: report.fingerprints }, 'adopted published CAs as retired');
        return;
    }
  }

  async function caCycle(): Promise<void> {
    await drive<CaEvent, CaReport, CaEffect>({ type: 'cycle-requested' }, {
      apply(event) {
        const step = caStep(ca, event, clock(), caConfig);
        ca = step.machine;
        return step;
      },
      report: reportCa,
      perform: performCa,
      failed: { type: 'effect-failed' },
    });
    const end = ca.phase;
    if (end.name === 'idle' && end.outcome === 'contended') {
      throw new KadmitError('KADMIT_CERT_CONTENDED', 'the CA state kept changing under us');
    }
    if (end.name === 'idle' && end.outcome === 'done' && servingConfig.persistServing) applyServing({ type: 'document-confirmed', doc: end.doc });
  }

  // ---- the serving loop's effects and reports ----------------------------------

  function leafFrom(cert: string, key: string, caCert: string, now: Date): Leaf {
    const v = verifyServing({ cert, key, ca: caCert, hosts, now });
    return { cert, key, facts: v.leaf, issuerFingerprint: v.issuer.fingerprint256 };
  }

  async function performServing(effect: ServingEffect): Promise<ServingEvent> {
    switch (effect.type) {
      case 'check-stored-leaf':
        try {
          return { type: 'stored-leaf-checked', leaf: leafFrom(effect.cert, effect.key, effect.caCert, effect.now) };
        } catch (err) {
          log.info({ reason: errorMessage(err) }, 'stored serving certificate not reused');
          return { type: 'stored-leaf-rejected' };
        }
      case 'issue-leaf': {
        const { signer, now } = effect;
        const began = performance.now();
        const issued = await op('issue', async () =>
          issueServing({ ca: signer, ...names, lifetimeMs: lifetimes.servingMs, backdateMs: lifetimes.backdateMs, now, keys: await servingKeys.take() }),
        );
        // Checked before use: against the signing CA and the names clients verify.
        const leaf = leafFrom(issued.cert, issued.key, signer.cert, now);
        metrics.rotation('serving');
        const tookMs = Math.round(performance.now() - began);
        log.info({ notAfter: leaf.facts.notAfter.toISOString(), issuer: leaf.facts.issuer, tookMs }, 'serving certificate issued');
        opts.events?.emit('CertificateRotated', `serving certificate issued, valid until ${leaf.facts.notAfter.toISOString()}`);
        return { type: 'leaf-issued', leaf };
      }
      case 'write-leaf':
        try {
          return { type: 'leaf-persisted', doc: await op('write-state', () => store.replace(effect.data, effect.version)) };
        } catch (err) {
          if (isStateRace(err)) return { type: 'leaf-persist-lost' }; // the next cycle persists it
          throw err;
        }
    }
  }

  function reportServing(report: ServingReport): void {
    switch (report.type) {
      case 'refresh-view':
        caLoop.trigger();
        return;
      case 'serve':
        sink.update(report.material);
        resolveReady(report.material);
        return;
      case 'expiries':
        metrics.notAfter('ca', report.ca);
        metrics.notAfter('next-ca', report.nextCa);
        metrics.notAfter('serving', report.serving);
        return;
    }
  }

  function applyServing(event: ServingEvent) {
    const step = servingStep(serving, event, clock(), servingConfig);
    serving = step.machine;
    return step;
  }

  // ---- the loops ----------------------------------------------------------------

  const servingLoop = createLoop({
    run: () => drive({ type: 'tick', view: ca.view }, { apply: applyServing, report: reportServing, perform: performServing, failed: { type: 'effect-failed' } }),
    nextDelay: (err) => (err ? Math.min(backoff.maxMs, 1_000) : servingWakeDelay(serving.leaf, clock(), servingConfig)),
    onError: (err) => {
      if (!stopped) log.warn({ err: errorMessage(err), code: (err as { code?: string }).code }, 'serving certificate renewal failed; retrying');
    },
  });

  const caLoop = createLoop({
    run: async () => {
      try {
        await caCycle();
        failures = 0;
      } catch (err) {
        failures++;
        throw err;
      } finally {
        // The state may have changed (promotion, repair): let the leaf follow.
        servingLoop.trigger();
      }
    },
    nextDelay: (err) => (err ? backoffDelay(failures, backoff) : caWakeDelay(ca.view, clock(), caConfig)),
    // A call cancelled by stop() is not a failure worth a warning.
    onError: (err) => {
      if (!stopped) log.warn({ err: errorMessage(err), code: (err as { code?: string }).code, failures }, 'certificate cycle failed; retrying');
    },
  });

  const trigger = () => caLoop.trigger();

  return {
    start() {
      if (started || stopped) return;
      started = true;
      if (store.watch) unsubscribe.push(store.watch(trigger));
      if (targets?.watch) unsubscribe.push(targets.watch(trigger));
      caLoop.trigger();
    },
    ready: () => readyPromise,
    material: () => serving.emitted,
    async runOnce() {
      let error: unknown;
      await caLoop.runNow().catch((err: unknown) => void (error = err));
      // Serving goes on with the last good state whatever happened above.
      await servingLoop.runNow().catch((err: unknown) => void (error ??= err));
      if (error) throw error;
    },
    status: () => rotatorStatus({ view: ca.view, leaf: serving.leaf, targets: ca.targets, lastError, failures }),
    async stop() {
      stopped = true;
      for (const u of unsubscribe.splice(0)) u();
      await caLoop.stop();
      await servingLoop.stop();
      rejectReady(new KadmitError('KADMIT_CERT_STOPPED', 'certificate rotation stopped'));
    },
  };
}
