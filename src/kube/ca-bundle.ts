// The caBundle fields kadmit keeps in step with its CA: one per webhook in its
// Validating/MutatingWebhookConfigurations, and a CRD's conversion webhook.
// Writes touch only those fields, with a JSON patch whose `test` ops make a
// concurrent change fail cleanly (KADMIT_KUBE_CONFLICT) instead of clobbering it.
import { isObject } from '../json.ts';
import { kubeCall, type Kube, type KubeRequestOptions } from './kube.ts';
import { getJson, listObjects, type KubeObject } from './raw.ts';
import { Reflector, type ReflectorOptions } from './reflector.ts';

export type CaBundleTargetKind = 'ValidatingWebhookConfiguration' | 'MutatingWebhookConfiguration' | 'CustomResourceDefinition';

const COLLECTION: Record<CaBundleTargetKind, string> = {
  ValidatingWebhookConfiguration: '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations',
  MutatingWebhookConfiguration: '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
  CustomResourceDefinition: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
};

export interface CaBundleSlot {
  // JSON pointer of the caBundle field.
  path: string;
  // The webhook's name, or "conversion" for a CRD.
  label: string;
  // A field identifying the slot, tested before writing (an index shift fails cleanly).
  identity: { path: string; value: string } | undefined;
  // As stored: base64 of a PEM bundle; undefined when unset.
  caBundle: string | undefined;
}

export interface CaBundleTarget {
  kind: CaBundleTargetKind;
  name: string;
  uid: string;
  resourceVersion: string;
  labels: Record<string, string>;
  slots: CaBundleSlot[];
}

export interface TargetSelector {
  kind: CaBundleTargetKind;
  // Exactly one of name / labelSelector.
  name?: string;
  labelSelector?: string;
}

export interface JsonPatchOp {
  op: 'test' | 'add' | 'replace';
  path: string;
  value: unknown;
}

type Loose = Record<string, unknown> | undefined;

function obj(v: unknown): Loose {
  return isObject(v) ? v : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

// Read the slots out of an object as returned by the API (wire or typed form).
export function caBundleTarget(kind: CaBundleTargetKind, o: KubeObject): CaBundleTarget {
  const slots: CaBundleSlot[] = [];
  if (kind === 'CustomResourceDefinition') {
    const conversion = obj(obj(o.spec)?.conversion);
    const clientConfig = obj(obj(conversion?.webhook)?.clientConfig);
    if (conversion?.strategy === 'Webhook' && clientConfig) {
      slots.push({ path: '/spec/conversion/webhook/clientConfig/caBundle', label: 'conversion', identity: { path: '/spec/conversion/strategy', value: 'Webhook' }, caBundle: str(clientConfig.caBundle) });
    }
  } else {
    const hooks = Array.isArray(o.webhooks) ? o.webhooks : [];
    hooks.forEach((h: unknown, i: number) => {
      const name = str(obj(h)?.name) ?? `#${i}`;
      const clientConfig = obj(obj(h)?.clientConfig);
      if (!clientConfig) return;
      slots.push({ path: `/webhooks/${i}/clientConfig/caBundle`, label: name, identity: { path: `/webhooks/${i}/name`, value: name }, caBundle: str(clientConfig.caBundle) });
    });
  }
  return {
    kind,
    name: o.metadata?.name ?? '',
    uid: o.metadata?.uid ?? '',
    resourceVersion: o.metadata?.resourceVersion ?? '',
    labels: { ...(o.metadata?.labels ?? {}) },
    slots,
  };
}

// Throws KADMIT_KUBE_NOT_FOUND when absent.
export async function getCaBundleTarget(kube: Kube, kind: CaBundleTargetKind, name: string, opts?: KubeRequestOptions): Promise<CaBundleTarget> {
  const o = await getJson<KubeObject>(kube, `${COLLECTION[kind]}/${encodeURIComponent(name)}`, {}, `get ${kind} ${name}`, opts);
  return caBundleTarget(kind, o);
}

function selectorQuery(sel: TargetSelector): { labelSelector?: string; fieldSelector?: string } {
  if ((sel.name === undefined) === (sel.labelSelector === undefined)) throw new Error('TargetSelector needs exactly one of name or labelSelector');
  return sel.name !== undefined ? { fieldSelector: `metadata.name=${sel.name}` } : { labelSelector: sel.labelSelector! };
}

export async function listCaBundleTargets(kube: Kube, sel: TargetSelector, opts?: KubeRequestOptions): Promise<CaBundleTarget[]> {
  const list = await listObjects(kube, COLLECTION[sel.kind], selectorQuery(sel), opts);
  return list.items.map((o) => caBundleTarget(sel.kind, o));
}

// The JSON patch that sets each slot to `desired(slot)` (undefined: leave it).
// Every written slot is guarded: its identity and its current value are
// tested; a slot with no value yet cannot be tested for absence portably, so
// then the whole object's resourceVersion is tested instead. Empty: no change.
export function caBundlePatch(target: CaBundleTarget, desired: string | ((slot: CaBundleSlot) => string | undefined)): JsonPatchOp[] {
  const want = typeof desired === 'string' ? () => desired : desired;
  const ops: JsonPatchOp[] = [];
  let needsVersionGuard = false;
  for (const slot of target.slots) {
    const value = want(slot);
    if (value === undefined || value === slot.caBundle) continue;
    if (slot.identity) ops.push({ op: 'test', path: slot.identity.path, value: slot.identity.value });
    if (slot.caBundle === undefined) {
      needsVersionGuard = true;
      ops.push({ op: 'add', path: slot.path, value });
    } else {
      ops.push({ op: 'test', path: slot.path, value: slot.caBundle });
      ops.push({ op: 'replace', path: slot.path, value });
    }
  }
  if (ops.length > 0 && needsVersionGuard) ops.unshift({ op: 'test', path: '/metadata/resourceVersion', value: target.resourceVersion });
  return ops;
}

// Apply caBundlePatch. On a concurrent change the API answers 422 (failed
// test) or 409: both surface as KADMIT_KUBE_CONFLICT — re-read and retry.
export async function patchCaBundles(
  kube: Kube,
  target: CaBundleTarget,
  desired: string | ((slot: CaBundleSlot) => string | undefined),
  opts?: KubeRequestOptions,
): Promise<{ changed: boolean; target: CaBundleTarget }> {
  const ops = caBundlePatch(target, desired);
  if (ops.length === 0) return { changed: false, target };
  const what = `patch caBundle of ${target.kind} ${target.name}`;
  const name = target.name;
  const updated = await kubeCall(
    kube,
    what,
    (c) => {
      // The generated clients send application/json-patch+json, the first patch type they list.
      if (target.kind === 'ValidatingWebhookConfiguration') return c.admission.patchValidatingWebhookConfiguration({ name, body: ops });
      if (target.kind === 'MutatingWebhookConfiguration') return c.admission.patchMutatingWebhookConfiguration({ name, body: ops });
      return c.apiextensions.patchCustomResourceDefinition({ name, body: ops });
    },
    opts,
  );
  return { changed: true, target: caBundleTarget(target.kind, updated as unknown as KubeObject) };
}

// Watch the selected targets; onChange gets the full current set after every change.
export function watchCaBundleTargets(
  kube: Kube,
  sel: TargetSelector,
  onChange: (targets: CaBundleTarget[]) => void,
  opts: Omit<ReflectorOptions<KubeObject>, 'kube' | 'path' | 'labelSelector' | 'fieldSelector' | 'onEvent'> = {},
): Reflector {
  const reflector: Reflector = new Reflector({
    ...opts,
    kube,
    path: COLLECTION[sel.kind],
    ...selectorQuery(sel),
    onEvent: (e) => {
      // A relist's differences are summed up by the SYNCED that follows them.
      if (e.type !== 'SYNCED' && e.fromList) return;
      onChange(reflector.list().map((o) => caBundleTarget(sel.kind, o)));
    },
  });
  return reflector.start();
}

export function encodeCaBundle(pem: string): string {
  return Buffer.from(pem).toString('base64');
}

export function decodeCaBundle(caBundle: string | undefined): string {
  return caBundle === undefined ? '' : Buffer.from(caBundle, 'base64').toString('utf8');
}
