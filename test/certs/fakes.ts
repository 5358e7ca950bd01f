// In-memory stand-ins for the Secret store and the caBundle targets, with
// fault injection, for the rotation tests (not a test file itself).
import type { BundleTargets, CaBundleField, ServingSink, StateDocumentStore, VersionedDocument } from '../../src/certs/ports.ts';
import { stateConflict, stateMissing } from '../../src/certs/store-errors.ts';
import type { ServingMaterial } from '../../src/certs/types.ts';

export class FakeClock {
  t: number;
  constructor(start = Date.parse('2026-11-26T12:00:00.000Z')) {
    this.t = start;
  }
  now = (): Date => new Date(this.t);
  advance(ms: number): void {
    this.t += ms;
  }
}

type Fault = 'error' | 'conflict';

export class MemoryDocumentStore implements StateDocumentStore {
  doc: VersionedDocument | undefined;
  #rv = 0;
  writes = 0;
  reads = 0;
  #listeners = new Set<() => void>();
  /** Faults consumed by the next matching calls. */
  faults: Array<{ op: 'read' | 'create' | 'replace'; fault: Fault }> = [];
  /** Called with a random number per call; returning a fault injects it. */
  chaos: ((op: 'read' | 'create' | 'replace') => Fault | undefined) | undefined;

  async read(): Promise<VersionedDocument | undefined> {
    await tick();
    this.reads++;
    this.#fault('read');
    return this.doc && { data: { ...this.doc.data }, version: this.doc.version };
  }
  async create(data: Record<string, string>): Promise<VersionedDocument> {
    await tick();
    this.#fault('create');
    if (this.doc) throw stateConflict('AlreadyExists');
    return this.#set(data);
  }
  async replace(data: Record<string, string>, version: string): Promise<VersionedDocument> {
    await tick();
    this.#fault('replace');
    if (!this.doc) throw stateMissing('NotFound');
    if (this.doc.version !== version) throw stateConflict('Conflict');
    return this.#set(data);
  }
  watch(onChange: () => void): () => void {
    this.#listeners.add(onChange);
    return () => this.#listeners.delete(onChange);
  }
  /** Another writer (or an operator) changes the document. */
  external(data: Record<string, string> | undefined): void {
    if (data === undefined) this.doc = undefined;
    else this.#set(data);
    for (const l of this.#listeners) l();
  }
  #set(data: Record<string, string>): VersionedDocument {
    this.writes++;
    this.doc = { data: { ...data }, version: String(++this.#rv) };
    for (const l of this.#listeners) queueMicrotask(l);
    return { data: { ...data }, version: this.doc.version };
  }
  #fault(op: 'read' | 'create' | 'replace'): void {
    const i = this.faults.findIndex((f) => f.op === op);
    const fault = i >= 0 ? this.faults.splice(i, 1)[0]!.fault : this.chaos?.(op);
    if (fault === 'error') throw Object.assign(new Error(`injected 500 on ${op}`), { statusCode: 500 });
    if (fault === 'conflict') throw stateConflict(`injected 409 on ${op}`);
  }
}

export interface BundleWrite {
  id: string;
  bundle: string;
  by: 'kadmit' | 'external';
}

export class MemoryBundleTargets implements BundleTargets {
  fields = new Map<string, string>();
  #listeners = new Set<() => void>();
  /** Observes every change right after it is applied (invariant checks). */
  onChange: ((w: BundleWrite) => void) | undefined;
  chaos: ((op: 'read' | 'write') => 'error' | 'guard' | undefined) | undefined;
  writes = 0;

  constructor(ids: string[]) {
    for (const id of ids) this.fields.set(id, '');
  }
  async read(): Promise<CaBundleField[]> {
    await tick();
    if (this.chaos?.('read') === 'error') throw new Error('injected 500 on targets read');
    return [...this.fields].map(([id, bundle]) => ({ id, bundle }));
  }
  async write(id: string, expected: string, next: string): Promise<boolean> {
    await tick();
    const c = this.chaos?.('write');
    if (c === 'error') throw new Error('injected 500 on targets write');
    if (c === 'guard' || this.fields.get(id) !== expected) return false;
    this.fields.set(id, next);
    this.writes++;
    this.onChange?.({ id, bundle: next, by: 'kadmit' });
    return true;
  }
  watch(onChange: () => void): () => void {
    this.#listeners.add(onChange);
    return () => this.#listeners.delete(onChange);
  }
  /** Another writer (a GitOps sync) sets a field. */
  external(id: string, bundle: string): void {
    this.fields.set(id, bundle);
    this.onChange?.({ id, bundle, by: 'external' });
    for (const l of this.#listeners) l();
  }
}

export class RecordingSink implements ServingSink {
  updates: ServingMaterial[] = [];
  onUpdate: ((m: ServingMaterial) => void) | undefined;
  update(material: ServingMaterial): void {
    this.updates.push(material);
    this.onUpdate?.(material);
  }
  get last(): ServingMaterial | undefined {
    return this.updates.at(-1);
  }
}

export class CountingMetrics {
  notAfters = new Map<string, Date | undefined>();
  rotations = { ca: 0, serving: 0 };
  errors = new Map<string, number>();
  notAfter(role: string, d: Date | undefined): void {
    this.notAfters.set(role, d);
  }
  rotation(role: 'ca' | 'serving'): void {
    this.rotations[role]++;
  }
  error(op: string): void {
    this.errors.set(op, (this.errors.get(op) ?? 0) + 1);
  }
}

/** A macrotask boundary, so concurrent cycles interleave as they would over a network. */
function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Deterministic PRNG (mulberry32) so a failing simulation can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
