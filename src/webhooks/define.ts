// The typed API for defining webhooks. A webhook is a plain module export (so a
// worker thread can import the same module); it never sees HTTP.
import type { Logger } from 'pino';
import type { KubeClients } from '../kube/client.ts';
import { OPERATIONS, type AdmissionRequest, type Operation, type RawObject } from '../admission/request.ts';
import type { KindKey, KindObject } from '../schemas/types.ts';
import type { MutationVerdict, Verdict } from './verdict.ts';
import { resolveGuards, rulesWithoutSkipped, type Guards } from './guards.ts';
import { resolveKinds } from './kinds.ts';
import { invalid } from './invalid.ts';

export { SYSTEM_NAMESPACES, type Guards, type SkipReason } from './guards.ts';

export type FailurePolicy = 'Fail' | 'Ignore';
export type SideEffects = 'None' | 'NoneOnDryRun';
export type Scope = 'Cluster' | 'Namespaced' | '*';
export type SchemaValidation = 'when-available' | 'required' | 'off';

export interface MatchCondition {
  /** A qualified name, unique within the webhook. */
  name: string;
  /** A CEL expression over `object`, `oldObject`, `request`, `authorizer`. */
  expression: string;
}

/** metav1.LabelSelector. */
export interface LabelSelector {
  matchLabels?: Readonly<Record<string, string>>;
  matchExpressions?: readonly { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: readonly string[] }[];
}

/** Mirrors admissionregistration.k8s.io/v1 RuleWithOperations. */
export interface Rule {
  operations: readonly (Operation | '*')[];
  apiGroups: readonly string[];
  apiVersions: readonly string[];
  resources: readonly string[];
  scope?: Scope;
}

export interface ReviewContext {
  request: AdmissionRequest;
  /** Aborts when the client goes away, the deadline passes, or the server shuts down. */
  signal: AbortSignal;
  /** Absolute time (ms since epoch) by which the handler must have answered. */
  deadline: number;
  log: Logger;
  /**
   * Kubernetes API clients bound to `signal`: a call still running at the deadline
   * is cancelled. The kubeconfig comes from KUBECONFIG or the in-cluster account.
   */
  kube(): Promise<KubeClients>;
}

/**
 * The object type a handler gets: RawObject for a webhook without kinds, else
 * the union of its kinds, each with its literal apiVersion and kind.
 */
export type HandlerObject<K extends readonly KindKey[]> = K extends readonly [] ? RawObject : KindObject<K[number]>;

export interface ValidationInput<O extends object = RawObject> extends ReviewContext {
  object: O | null;
  oldObject: O | null;
}

export interface MutationInput<O extends object = RawObject> extends ReviewContext {
  /** A private copy of the incoming object: change it and return mutate(object), or return allow(). */
  object: O | null;
  oldObject: O | null;
}

/** A webhook without kinds: it writes its rules, and its handler gets raw objects. */
interface RawTarget {
  kinds?: readonly [];
  rules: readonly Rule[];
  operations?: undefined;
  /**
   * How objects are checked before the handler sees them:
   * - `when-available` (default): against the schema of their kind when kadmit has one,
   *   else passed on raw;
   * - `required`: a kind without a schema is denied, naming the GVK;
   * - `off`: the handler receives unvalidated objects (size and depth are still bounded).
   */
  schemaValidation?: SchemaValidation;
}

/** A webhook that names its kinds: its handler gets objects typed as those kinds. */
interface KindsTarget<K extends readonly KindKey[]> {
  /**
   * GVK keys, e.g. `['v1/Pod']` or `['apps/v1/Deployment', 'apps/v1/StatefulSet']`
   * (custom kinds once registered in CustomKinds). A review of another kind is
   * answered by failurePolicy (KADMIT_KIND_NOT_HANDLED), never given to the handler.
   */
  kinds: K;
  /** Derived from the kinds when left out (built-in kinds only); used as written when given. */
  rules?: readonly Rule[];
  /** Operations of the derived rules; default CREATE and UPDATE. */
  operations?: readonly Operation[];
  /** Always `required` with kinds: the handler's types hold only for checked objects. */
  schemaValidation?: 'required';
}

interface WebhookCommon {
  /** Fully qualified, e.g. `require-limits.kadmit.dev`; the apiserver shows it to users. */
  name: string;
  /** URL path the webhook is served on, e.g. `/validate/require-limits`. */
  path: string;
  failurePolicy?: FailurePolicy;
  sideEffects?: SideEffects;
  /** 1..30; the apiserver's default is 10. */
  timeoutSeconds?: number;
  /**
   * CEL conditions the apiserver evaluates before calling (admissionregistration
   * matchConditions): a request for which one is false is never sent.
   */
  matchConditions?: readonly MatchCondition[];
  /** Only objects whose labels match are sent (a LabelSelector). */
  objectSelector?: LabelSelector;
  /** Reviews answered `allowed` without calling the handler: namespaces, an opt-out label, operations. */
  skip?: Guards;
  /**
   * Set when the handler calls `kube()`: workers then load the Kubernetes client
   * before they take reviews, instead of on the first call (about a second).
   */
  kubeApi?: boolean;
}

type Target<K extends readonly KindKey[]> = K extends readonly [] ? RawTarget : KindsTarget<K>;

/** K: the kinds named, inferred from `kinds` (none: raw objects). */
export type ValidatingWebhookSpec<K extends readonly KindKey[] = []> = WebhookCommon & Target<K> & {
  validate(input: ValidationInput<HandlerObject<K>>): Verdict | Promise<Verdict>;
};

export type MutatingWebhookSpec<K extends readonly KindKey[] = []> = WebhookCommon & Target<K> & {
  reinvocationPolicy?: 'Never' | 'IfNeeded';
  mutate(input: MutationInput<HandlerObject<K>>): MutationVerdict<HandlerObject<K>> | Promise<MutationVerdict<HandlerObject<K>>>;
};

// What the definition code reads, whichever target the spec has.
type AnySpec = WebhookCommon & {
  kinds?: readonly string[];
  rules?: readonly Rule[];
  operations?: readonly Operation[];
  schemaValidation?: SchemaValidation;
};

interface WebhookResolved {
  readonly name: string;
  readonly path: string;
  readonly rules: readonly Rule[];
  /** GVK keys the handler is typed for; undefined: any kind, raw objects. */
  readonly kinds?: readonly string[];
  readonly skip?: Readonly<Guards>;
  readonly failurePolicy: FailurePolicy;
  readonly sideEffects: SideEffects;
  readonly timeoutSeconds: number;
  readonly kubeApi: boolean;
  readonly schemaValidation: SchemaValidation;
  readonly matchConditions?: readonly MatchCondition[];
  readonly objectSelector?: LabelSelector;
}

// Resolved handlers take raw objects: the pipeline hands a kinds webhook only
// objects of its kinds that passed their schema, which is what its types say.
export interface ValidatingWebhook extends WebhookResolved {
  readonly type: 'validating';
  readonly validate: (input: ValidationInput) => Verdict | Promise<Verdict>;
}

export interface MutatingWebhook extends WebhookResolved {
  readonly type: 'mutating';
  readonly reinvocationPolicy: 'Never' | 'IfNeeded';
  readonly mutate: (input: MutationInput) => MutationVerdict | Promise<MutationVerdict>;
}

export type Webhook = ValidatingWebhook | MutatingWebhook;

// The apiserver requires a webhook name to be a DNS subdomain with at least three labels.
const WEBHOOK_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?){2,}$/;
const WEBHOOK_PATH = /^\/[A-Za-z0-9\-._~/]*[A-Za-z0-9\-._~]$/;

function resolveCommon(spec: AnySpec): WebhookResolved {
  const name = spec.name;
  if (typeof name !== 'string' || name.length > 253 || !WEBHOOK_NAME.test(name)) {
    invalid(String(name), 'name', 'must be a lowercase DNS name with at least three labels, e.g. "require-limits.kadmit.dev"');
  }
  if (typeof spec.path !== 'string' || !WEBHOOK_PATH.test(spec.path)) {
    invalid(name, 'path', `must start with "/" and not end with "/" (got ${JSON.stringify(spec.path)})`);
  }
  const { kinds, rules } = resolveKinds(name, spec);
  if (!Array.isArray(rules) || rules.length === 0) invalid(name, 'rules', 'must list at least one rule');
  rules.forEach((rule, i) => {
    for (const op of rule.operations) {
      if (op !== '*' && !OPERATIONS.includes(op)) invalid(name, `rules[${i}].operations`, `has unknown operation "${op}"`);
    }
    for (const field of ['apiGroups', 'apiVersions', 'resources'] as const) {
      if (!Array.isArray(rule[field]) || rule[field].length === 0) invalid(name, `rules[${i}].${field}`, 'must not be empty');
    }
  });
  const failurePolicy = spec.failurePolicy ?? 'Fail';
  if (failurePolicy !== 'Fail' && failurePolicy !== 'Ignore') invalid(name, 'failurePolicy', 'must be Fail or Ignore');
  const sideEffects = spec.sideEffects ?? 'None';
  if (sideEffects !== 'None' && sideEffects !== 'NoneOnDryRun') invalid(name, 'sideEffects', 'must be None or NoneOnDryRun');
  const timeoutSeconds = spec.timeoutSeconds ?? 10;
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 30) {
    invalid(name, 'timeoutSeconds', `must be a whole number from 1 to 30 (got ${timeoutSeconds})`);
  }
  const schemaValidation = spec.schemaValidation ?? (kinds === undefined ? 'when-available' : 'required');
  if (!['when-available', 'required', 'off'].includes(schemaValidation)) invalid(name, 'schemaValidation', 'must be when-available, required or off');
  if (kinds !== undefined && schemaValidation !== 'required') {
    invalid(name, 'schemaValidation', `must be "required" for a webhook with kinds (got "${schemaValidation}"): the handler's types hold only for objects checked against their schema`);
  }
  const skip = resolveGuards(name, spec.skip);
  if (rulesWithoutSkipped(rules, skip).length === 0) invalid(name, 'skip.operations', 'leaves out every operation the rules match: the webhook would never run');
  const conditionNames = new Set<string>();
  (spec.matchConditions ?? []).forEach((c, i) => {
    if (typeof c?.name !== 'string' || !/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(c.name) || c.name.length > 63) invalid(name, `matchConditions[${i}].name`, 'must be a qualified name part (<= 63 characters)');
    if (conditionNames.has(c.name)) invalid(name, `matchConditions[${i}].name`, `repeats "${c.name}"`);
    if (typeof c.expression !== 'string' || c.expression.trim() === '') invalid(name, `matchConditions[${i}].expression`, 'must be a CEL expression');
    conditionNames.add(c.name);
  });
  if ((spec.matchConditions?.length ?? 0) > 64) invalid(name, 'matchConditions', 'may hold at most 64 conditions');
  return {
    name, path: spec.path, rules, failurePolicy, sideEffects, timeoutSeconds, kubeApi: spec.kubeApi === true, schemaValidation,
    ...(kinds !== undefined && { kinds }),
    ...(skip !== undefined && { skip }),
    ...(spec.matchConditions !== undefined && { matchConditions: spec.matchConditions }),
    ...(spec.objectSelector !== undefined && { objectSelector: spec.objectSelector }),
  };
}

/**
 * A validating webhook. With `kinds`, `object` and `oldObject` are typed as those
 * kinds, inferred from the literal (no annotation needed).
 */
export function defineValidatingWebhook<const K extends readonly KindKey[] = []>(spec: ValidatingWebhookSpec<K>): ValidatingWebhook {
  const common = resolveCommon(spec as AnySpec);
  if (typeof spec.validate !== 'function') invalid(common.name, 'validate', 'must be a function');
  return Object.freeze({ type: 'validating', ...common, validate: spec.validate as ValidatingWebhook['validate'] });
}

/** A mutating webhook; with `kinds`, typed like defineValidatingWebhook, and mutate() takes only those kinds. */
export function defineMutatingWebhook<const K extends readonly KindKey[] = []>(spec: MutatingWebhookSpec<K>): MutatingWebhook {
  const common = resolveCommon(spec as AnySpec);
  if (typeof spec.mutate !== 'function') invalid(common.name, 'mutate', 'must be a function');
  const reinvocationPolicy = spec.reinvocationPolicy ?? 'Never';
  if (reinvocationPolicy !== 'Never' && reinvocationPolicy !== 'IfNeeded') {
    invalid(common.name, 'reinvocationPolicy', 'must be Never or IfNeeded');
  }
  return Object.freeze({ type: 'mutating', ...common, reinvocationPolicy, mutate: spec.mutate as MutatingWebhook['mutate'] });
}

export function isWebhook(value: unknown): value is Webhook {
  if (typeof value !== 'object' || value === null) return false;
  const w = value as Partial<Webhook>;
  return (w.type === 'validating' && typeof w.validate === 'function') || (w.type === 'mutating' && typeof w.mutate === 'function');
}
