import { X509Certificate } from 'node:crypto';
import type { Logger } from 'pino';
import { KadmitError, errorMessage } from '../errors.ts';
import { backoffDelay } from './backoff.ts';
import type { BackoffOptions } from './backoff.ts';
import { bundleHolds, editBundle, ownCasIn } from './bundle.ts';
import { advanceWithTargets, dropRetired, needsNextCa, withNextCa } from './ca-plan.ts';
import type { PlanConfig, Planned, Transition } from './ca-plan.ts';
import { caEntry, decodeCaState, mergeCaStateInto, trustedCas } from './ca-state.ts';
import type { CaEntry, CaState } from './ca-state.ts';
import { systemClock } from './clock.ts';
import type { Clock } from './clock.ts';
import { issueCa, issueServing } from './issue.ts';
import { createKeyReserve, generateRsaKeyPair } from './keys.ts';
import { servingNames } from './names.ts';
import { joinPem } from './pem.ts';
import { noopCertMetrics } from './ports.ts';
import type {
  BundleTargets,
  CaBundleField,
  CertEvents,
  CertMetrics,
  CertOperation,
  ServingSink,
  StateDocumentStore,
  VersionedDocument,
} from './ports.ts';
import { createLoop } from './loop.ts';
import { isDueForRenewal, renewalTime } from './renewal.ts';
import { isStateRace } from './store-errors.ts';
import { resolveLifetimes } from './types.ts';
import type { CertLifetimes, ServingMaterial } from './types.ts';
import { verifyServing } from './verify.ts';
import type { CertificateFacts } from './verify.ts';

// The rotation engine. Independent of where the state lives (Secret, files)
// and of how trust is published (caBundle fields, or nothing locally). One
// cycle: read the shared state, apply the transitions that need no targets
// (drop, new next CA) and write them; merge the trusted CAs into every
// caBundle and read them back; apply the target-dependent transitions
// (published, promoted) and write them; then make sure this replica serves a
// leaf from the current CA. Cycles run on a short timer (never one long one),
// on watch events, and with backoff after errors; serving never stops.

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

export interface CertSummary {
  subject: string;
  fingerprint: string;
  notBefore: string;
  notAfter: string;
}

export interface RotatorStatus {
  ca?: CertSummary;
  nextCa?: CertSummary & { publishedAt?: string };
  retired: Array<{ fingerprint: string; notAfter: string; dropAfter: string }>;
  serving?: CertSummary & { issuerFingerprint: string; subjectAltName?: string };
  /** The caBundle fields as last read back, with the kadmit CAs each holds. */
  targets: Array<{ id: string; holdsAllTrusted: boolean }>;
  lastError?: { operation: string; message: string; at: string };
  consecutiveFailures: number;
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

export const SERVING_KEYS = Object.freeze({ cert: 'tls.crt', key: 'tls.key' });
const MAX_CHECK_MS = 60_000;
const MIN_WAKE_MS = 200;
const RACE_RETRIES = 5;
/** Renewal point of a leaf while the CA state cannot be read. */
const STALE_RENEW_FRACTION = 0.9;

interface Leaf {
  cert: string;
  key: string;
  facts: CertificateFacts;
  issuerFingerprint: string;
}

export function createCertRotator(opts: RotatorOptions): CertRotator {
  const { store, targets, sink, log } = opts;
  const clock = opts.clock ?? systemClock;
  const metrics = opts.metrics ?? noopCertMetrics;
  const lifetimes = resolveLifetimes(opts.lifetimes);
  const graceMs = opts.graceMs ?? 30_000;
  const checkMs = Math.min(MAX_CHECK_MS, opts.checkIntervalMs ?? 30_000);
  const backoff: BackoffOptions = { initialMs: 1_000, maxMs: checkMs, ...opts.backoff };
  const plan: PlanConfig = { graceMs, servingMs: lifetimes.servingMs };
  const names = servingNames({
    serviceName: opts.serviceName,
    namespace: opts.namespace,
    local: opts.local ?? false,
    extraNames: opts.extraDnsNames,
  });
  const hosts = [...names.dnsNames, ...names.ipAddresses];

  let state: CaState | undefined; // last state read from or written to the store
  let stateAt = 0; // when it was last confirmed from the store (ms)
  let leaf: Leaf | undefined;
  let emitted: ServingMaterial | undefined;
  let targetReport: RotatorStatus['targets'] = [];
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

  // ---- shared CA state -------------------------------------------------

  async function write(doc: VersionedDocument | undefined, next: CaState): Promise<VersionedDocument> {
    const data = mergeCaStateInto(doc?.data ?? {}, next);
    return op('write-state', () => (doc ? store.replace(data, doc.version) : store.create(data)));
  }

  function changed(doc: VersionedDocument | undefined, next: CaState): boolean {
    return !sameData(mergeCaStateInto(doc?.data ?? {}, next), doc?.data);
  }

  function announce(p: Planned): void {
    for (const t of p.transitions) {
      const detail = describe(t, p.state);
      log.info({ transition: t, ...detail }, `CA rotation: ${t}`);
      opts.events?.emit('CARotationPhase', `CA ${t}: ${detail.subject ?? ''}`.trim());
      if (t === 'promoted') metrics.rotation('ca');
    }
  }

  // One attempt; a lost race (409, AlreadyExists, 404, failed test guard) returns 'race'.
  async function reconcileCa(): Promise<'done' | 'race'> {
    const now = clock();
    let doc = await op('read-state', () => store.read());
    const decoded = decodeCaState(doc?.data ?? {}, { now, adoptRetiredForMs: lifetimes.servingMs + graceMs });
    let s = decoded.state;
    if (decoded.problems.length > 0 && doc) {
      log.warn({ problems: decoded.problems }, 'CA state document is damaged; repairing it, published CAs stay trusted');
      opts.events?.emit('CertificateError', `CA state damaged: ${decoded.problems.join('; ')}`);
    }
    if (!s.current) s = restoreFromMemory(s, now);
    if (!s.current && !s.next) s = await adoptPublished(s, now);

    // Transitions that need no targets; written before anything is published
    // so that no caBundle ever holds a CA the state does not know.
    let p = dropRetired(s, now);
    announce(p);
    if (needsNextCa(p.state, now, plan)) {
      p = withNextCa(p.state, await nextCa(now));
      announce(p);
    }
    s = p.state;
    if (changed(doc, s)) {
      try {
        doc = await write(doc, s);
      } catch (err) {
        if (isStateRace(err)) return 'race';
        throw err;
      }
    }
    if (s.next?.fingerprint === spareCa?.fingerprint) spareCa = undefined;
    state = s;
    stateAt = clock().getTime();

    const fields = targets ? await op('read-targets', () => targets.read()) : [];
    // A target lost the published next CA (another writer reset it): record
    // that in the state BEFORE restoring it, so no replica can promote on the
    // old publication time even if our later writes fail.
    const nextFp = s.next?.fingerprint;
    if (s.next?.publishedAt && nextFp && fields.some((f) => !bundleHolds(f.bundle, [nextFp]))) {
      const u = advanceWithTargets(s, clock(), { holdNext: false }, plan);
      try {
        doc = await write(doc, u.state);
      } catch (err) {
        if (isStateRace(err)) return 'race';
        throw err;
      }
      announce(u);
      s = u.state;
      state = s;
    }
    const published = await publish(s, fields, now);
    if (published === 'race') return 'race';
    const q = advanceWithTargets(s, clock(), published, plan);
    if (changed(doc, q.state)) {
      try {
        doc = await write(doc, q.state);
      } catch (err) {
        if (isStateRace(err)) return 'race';
        throw err;
      }
      announce(q);
    }
    state = q.state;
    stateAt = clock().getTime();
    if (opts.persistServing) pendingServingDoc = doc;
    return 'done';
  }

  // A CA generated in an attempt that lost its write is kept for the next
  // attempt (while young), so a burst of conflicts does not cost a key each.
  let spareCa: CaEntry | undefined;
  // The next CA's key is made ahead too: creation, publication and the grace
  // period must all fit in the last third of the current CA's life.
  const caKeys = createKeyReserve(() => generateRsaKeyPair(opts.modulusLength));
  async function nextCa(now: Date): Promise<CaEntry> {
    const young = Math.min(checkMs, lifetimes.caMs / 10);
    if (spareCa && now.getTime() - spareCa.notBefore.getTime() - lifetimes.backdateMs < young) {
      const ca = spareCa;
      spareCa = undefined;
      return ca;
    }
    const ca = await op('issue', async () =>
      issueCa({ lifetimeMs: lifetimes.caMs, backdateMs: lifetimes.backdateMs, now, keys: await caKeys.take() }),
    );
    spareCa = caEntry(ca); // cleared once it is written
    const entry = spareCa;
    return entry;
  }

  // The document lost its current CA (deleted, corrupted) but this replica
  // still holds a recent copy: put it back rather than start a new CA, so no
  // replica is left without a signer for the length of a grace period. Only
  // a copy younger than a serving lifetime: its CAs cannot have been dropped
  // from the caBundles yet (see the drop rule in ca-plan.ts).
  function restoreFromMemory(s: CaState, now: Date): CaState {
    const c = state;
    if (!c?.current || now.getTime() - stateAt > lifetimes.servingMs || c.current.notAfter <= now) return s;
    const cur = c.current;
    if (s.dropped.some((d) => d.fingerprint === cur.fingerprint) || s.next?.fingerprint === cur.fingerprint) return s;
    const next = s.next ?? c.next;
    const taken = new Set([cur.fingerprint, next?.fingerprint]);
    const retired = [...s.retired, ...c.retired.filter((r) => !s.retired.some((x) => x.fingerprint === r.fingerprint))].filter(
      (r) => !taken.has(r.fingerprint),
    );
    log.warn({ fingerprint: cur.fingerprint }, 'CA state lost its current CA; restoring it from this replica');
    return { ...s, current: cur, ...(next && { next }), retired };
  }

  // State lost (missing or corrupt): the kadmit CAs still in the caBundles
  // stay trusted as retired, so leaves replicas serve keep verifying.
  async function adoptPublished(s: CaState, now: Date): Promise<CaState> {
    if (!targets) return s;
    const fields = await op('read-targets', () => targets.read());
    const known = new Set([...trustedCas(s).map((c) => c.fingerprint), ...s.dropped.map((d) => d.fingerprint)]);
    const adopted = ownCasIn(
      fields.map((f) => f.bundle),
      now,
    )
      .filter((x) => !known.has(x.fingerprint256))
      .map((x) => ({
        cert: x.toString(),
        fingerprint: x.fingerprint256,
        notAfter: x.validToDate,
        dropAfter: new Date(Math.min(x.validToDate.getTime(), now.getTime() + lifetimes.servingMs + graceMs)),
      }));
    if (adopted.length > 0) log.warn({ adopted: adopted.map((a) => a.fingerprint) }, 'adopted published CAs as retired');
    return { ...s, retired: [...s.retired, ...adopted] };
  }

  // Merges the trusted CAs into every caBundle field, then reads them back.
  // Returns whether every field holds the next CA (vacuously true without
  // targets: in file mode the document itself is what clients read).
  async function publish(
    s: CaState,
    fields: CaBundleField[],
    now: Date,
  ): Promise<{ holdNext: boolean; addedNext: boolean } | 'race'> {
    if (!targets) return { holdNext: true, addedNext: false };
    const trusted = trustedCas(s);
    const edit = { trusted, dropped: new Set(s.dropped.map((d) => d.fingerprint)), now };
    let lost = false;
    let addedNext = false;
    for (const f of fields) {
      const next = editBundle(f.bundle, edit);
      if (next === undefined) continue;
      if (s.next && !bundleHolds(f.bundle, [s.next.fingerprint])) addedNext = true;
      const ok = await op('write-targets', () => targets.write(f.id, f.bundle, next));
      if (ok) log.info({ target: f.id }, 'caBundle updated');
      else lost = true;
    }
    if (lost) return 'race';
    const back = await op('read-targets', () => targets.read());
    const all = trusted.map((c) => c.fingerprint);
    targetReport = back.map((f) => ({ id: f.id, holdsAllTrusted: bundleHolds(f.bundle, all) }));
    const holdNext = s.next ? back.every((f) => bundleHolds(f.bundle, [s.next!.fingerprint])) : false;
    return { holdNext, addedNext };
  }

  // ---- this replica's serving pair --------------------------------------

  let pendingServingDoc: VersionedDocument | undefined;
  const servingKeys = createKeyReserve(() => generateRsaKeyPair(opts.modulusLength));

  function leafFrom(cert: string, key: string, caCert: string, now: Date): Leaf {
    const v = verifyServing({ cert, key, ca: caCert, hosts, now });
    return { cert, key, facts: v.leaf, issuerFingerprint: v.issuer.fingerprint256 };
  }

  async function ensureServing(s: CaState): Promise<void> {
    const now = clock();
    const signer = s.current;
    if (!leaf && signer && opts.persistServing && pendingServingDoc) {
      const d = pendingServingDoc.data;
      const [cert, key] = [d[SERVING_KEYS.cert], d[SERVING_KEYS.key]];
      if (cert && key) {
        try {
          leaf = leafFrom(cert, key, signer.cert, now);
        } catch (err) {
          log.info({ reason: errorMessage(err) }, 'stored serving certificate not reused');
        }
      }
    }
    // (An expired signer can only appear in a stale cached state: issuing from
    // it would give an already expired leaf; wait for the state to move on.)
    if (signer && signer.notAfter > now && needsLeaf(signer, now)) {
      const began = performance.now();
      const issued = await op('issue', async () =>
        issueServing({
          ca: signer,
          ...names,
          lifetimeMs: lifetimes.servingMs,
          backdateMs: lifetimes.backdateMs,
          now,
          keys: await servingKeys.take(),
        }),
      );
      // Checked before use: against the signing CA and the names clients verify.
      leaf = leafFrom(issued.cert, issued.key, signer.cert, now);
      metrics.rotation('serving');
      const tookMs = Math.round(performance.now() - began);
      log.info({ notAfter: leaf.facts.notAfter.toISOString(), issuer: leaf.facts.issuer, tookMs }, 'serving certificate issued');
      opts.events?.emit('CertificateRotated', `serving certificate issued, valid until ${leaf.facts.notAfter.toISOString()}`);
    }
    if (leaf && leaf.facts.notAfter > now) {
      const material = { key: leaf.key, cert: leaf.cert, ca: joinPem(trustedCas(s).map((c) => c.cert)) };
      if (!emitted || emitted.cert !== material.cert || emitted.ca !== material.ca) {
        emitted = material;
        sink.update(material);
        resolveReady(material);
      }
    }
    metrics.notAfter('ca', s.current?.notAfter);
    metrics.notAfter('next-ca', s.next?.notAfter);
    metrics.notAfter('serving', leaf?.facts.notAfter);
    if (opts.persistServing && leaf) await persistLeaf(leaf);
  }

  // A leaf issued from the signer we know is safe only while no promotion can
  // have happened unseen: the old CA stays trusted for a grace period after it.
  function viewIsFresh(): boolean {
    return clock().getTime() - stateAt <= graceMs;
  }

  function needsLeaf(signer: { fingerprint: string; notAfter: Date }, now: Date): boolean {
    if (!leaf || leaf.facts.notAfter <= now) return true;
    // With a stale view of the state (store unreachable), the signer may have
    // been retired meanwhile: keep the leaf we have for as long as it is good.
    if (!viewIsFresh()) return isDueForRenewal(leaf.facts, now, STALE_RENEW_FRACTION);
    if (leaf.issuerFingerprint !== signer.fingerprint) return true;
    // Near the end of the CA's life leaves are cut to the CA's notAfter; a new
    // one from the same CA would not last longer, so do not churn keys.
    if (leaf.facts.notAfter >= signer.notAfter) return false;
    return isDueForRenewal(leaf.facts, now);
  }

  async function persistLeaf(l: Leaf): Promise<void> {
    const doc = pendingServingDoc;
    if (!doc || (doc.data[SERVING_KEYS.cert] === l.cert && doc.data[SERVING_KEYS.key] === l.key)) return;
    const data = { ...doc.data, [SERVING_KEYS.cert]: l.cert, [SERVING_KEYS.key]: l.key };
    try {
      pendingServingDoc = await op('write-state', () => store.replace(data, doc.version));
    } catch (err) {
      pendingServingDoc = undefined;
      if (!isStateRace(err)) throw err; // a race: the next cycle persists it
    }
  }

  // ---- loops ---------------------------------------------------------------
  // Two independent loops: the CA loop talks to the API (and may take a
  // while: key generation, retries, backoff); the serving loop only renews
  // this replica's leaf from the state already held, so a slow or failing API
  // can never make the served leaf run out.

  async function caCycle(): Promise<void> {
    let outcome: 'done' | 'race' = 'race';
    for (let i = 0; i < RACE_RETRIES && outcome === 'race'; i++) outcome = await reconcileCa();
    if (outcome === 'race') throw new KadmitError('KADMIT_CERT_CONTENDED', 'the CA state kept changing under us');
  }

  function caWake(): number {
    const now = clock().getTime();
    const points: number[] = [];
    if (state?.current && !state.next) points.push(renewalTime(state.current).getTime());
    if (state?.next?.publishedAt) points.push(state.next.publishedAt.getTime() + graceMs);
    for (const r of state?.retired ?? []) points.push(r.dropAfter.getTime());
    return nextWake(points, now);
  }

  function servingWake(): number {
    const now = clock().getTime();
    if (!leaf) return checkMs;
    const f = leaf.facts;
    return nextWake([renewalTime(f).getTime(), renewalTime(f, STALE_RENEW_FRACTION).getTime(), f.notAfter.getTime()], now);
  }

  function nextWake(points: number[], now: number): number {
    const future = points.filter((p) => p > now).map((p) => p - now);
    return Math.max(MIN_WAKE_MS, Math.min(checkMs, ...future));
  }

  // The leaf is due but the view is too old to trust its signer: read the state
  // first (the CA cycle wakes this loop when it ends). Asked once per leaf, so
  // with the store down this is not a loop; the leaf then lasts to the stale point.
  let refreshAskedFor: Leaf | undefined;
  const servingLoop = createLoop({
    run: async () => {
      if (!state) return;
      if (leaf && refreshAskedFor !== leaf && !viewIsFresh() && isDueForRenewal(leaf.facts, clock())) {
        refreshAskedFor = leaf;
        caLoop.trigger();
      }
      await ensureServing(state);
    },
    nextDelay: (err) => (err ? Math.min(backoff.maxMs, 1_000) : servingWake()),
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
    nextDelay: (err) => (err ? backoffDelay(failures, backoff) : caWake()),
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
    material: () => emitted,
    async runOnce() {
      let error: unknown;
      await caLoop.runNow().catch((err: unknown) => void (error = err));
      // Serving goes on with the last good state whatever happened above.
      await servingLoop.runNow().catch((err: unknown) => void (error ??= err));
      if (error) throw error;
    },
    status() {
      const sum = (c: { cert: string; fingerprint: string; notBefore: Date; notAfter: Date }) => summary(c);
      return {
        ...(state?.current && { ca: sum(state.current) }),
        ...(state?.next && {
          nextCa: { ...sum(state.next), ...(state.next.publishedAt && { publishedAt: state.next.publishedAt.toISOString() }) },
        }),
        retired: (state?.retired ?? []).map((r) => ({
          fingerprint: r.fingerprint,
          notAfter: r.notAfter.toISOString(),
          dropAfter: r.dropAfter.toISOString(),
        })),
        ...(leaf && {
          serving: {
            subject: leaf.facts.subject,
            fingerprint: leaf.facts.fingerprint256,
            notBefore: leaf.facts.notBefore.toISOString(),
            notAfter: leaf.facts.notAfter.toISOString(),
            issuerFingerprint: leaf.issuerFingerprint,
            ...(leaf.facts.subjectAltName && { subjectAltName: leaf.facts.subjectAltName }),
          },
        }),
        targets: targetReport,
        ...(lastError && { lastError }),
        consecutiveFailures: failures,
      };
    },
    async stop() {
      stopped = true;
      for (const u of unsubscribe.splice(0)) u();
      await caLoop.stop();
      await servingLoop.stop();
      rejectReady(new KadmitError('KADMIT_CERT_STOPPED', 'certificate rotation stopped'));
    },
  };
}

function summary(c: { cert: string; fingerprint: string; notBefore: Date; notAfter: Date }): CertSummary {
  return {
    subject: subjectOf(c.cert),
    fingerprint: c.fingerprint,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
  };
}

function subjectOf(pem: string): string {
  return new X509Certificate(pem).subject.replaceAll('\n', ', ');
}

function describe(t: Transition, s: CaState): { subject?: string; fingerprint?: string } {
  const c = t === 'promoted' ? s.current : t === 'dropped' ? undefined : s.next;
  return c ? { subject: subjectOf(c.cert), fingerprint: c.fingerprint } : {};
}

function sameData(a: Record<string, string>, b: Record<string, string> | undefined): boolean {
  if (!b) return false;
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
