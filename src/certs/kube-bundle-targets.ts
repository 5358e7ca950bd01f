import {
  KubeErrorCode,
  decodeCaBundle,
  encodeCaBundle,
  isKubeError,
  listCaBundleTargets,
  patchCaBundles,
  watchCaBundleTargets,
} from '../kube/index.ts';
import type { CaBundleTarget, Kube, TargetSelector } from '../kube/index.ts';
import type { BundleTargets, CaBundleField } from './ports.ts';

// The caBundle fields of kadmit's webhook configurations (and CRD conversion
// webhooks), through src/kube. A field id is `<Kind>/<name><json pointer>`.
// Writes use the target as last read: the JSON patch tests the field's value
// (and the webhook's name at that index), so a concurrent change fails the
// guard and the engine re-reads.

export interface KubeBundleTargetsOptions {
  kube: Kube;
  selectors: readonly TargetSelector[];
}

export function createKubeBundleTargets(opts: KubeBundleTargetsOptions): BundleTargets {
  const { kube } = opts;
  // id -> the target and slot path it was read from
  let lastRead = new Map<string, { target: CaBundleTarget; path: string }>();
  const idOf = (t: CaBundleTarget, path: string) => `${t.kind}/${t.name}${path}`;

  return {
    async read() {
      const fields: CaBundleField[] = [];
      const seen = new Map<string, { target: CaBundleTarget; path: string }>();
      for (const sel of opts.selectors) {
        for (const target of await listCaBundleTargets(kube, sel)) {
          for (const slot of target.slots) {
            const id = idOf(target, slot.path);
            if (seen.has(id)) continue;
            seen.set(id, { target, path: slot.path });
            fields.push({ id, bundle: decodeCaBundle(slot.caBundle) });
          }
        }
      }
      lastRead = seen;
      return fields;
    },
    async write(id, expected, next) {
      const known = lastRead.get(id);
      if (!known) return false;
      const slot = known.target.slots.find((s) => s.path === known.path);
      if (!slot || decodeCaBundle(slot.caBundle) !== expected) return false;
      try {
        const { target } = await patchCaBundles(kube, known.target, (s) => (s.path === known.path ? encodeCaBundle(next) : undefined));
        // Later writes to other fields of the same object start from this version.
        for (const [otherId, entry] of lastRead) {
          if (entry.target.kind === target.kind && entry.target.name === target.name) lastRead.set(otherId, { target, path: entry.path });
        }
        return true;
      } catch (err) {
        if (isKubeError(err, KubeErrorCode.Conflict) || isKubeError(err, KubeErrorCode.NotFound)) return false;
        throw err;
      }
    },
    watch(onChange) {
      const reflectors = opts.selectors.map((sel) => watchCaBundleTargets(kube, sel, () => onChange()));
      return () => {
        for (const r of reflectors) void r.stop();
      };
    },
  };
}
