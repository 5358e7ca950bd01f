// The typed API for defining webhooks. A webhook is a plain module export (so a
// worker thread can import the same module); it never sees HTTP.
import type { Logger } from 'pino';
import type { KubeClients } from '../kube/client.ts';
import { KadmitError } from '../errors.ts';
import { OPERATIONS, type AdmissionRequest, type Operation, type RawObject } from '../admission/request.ts';
import type { MutationVerdict, Verdict } from './verdict.ts';

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

export interface ValidationInput extends ReviewContext {
  object: RawObject | null;
  oldObject: RawObject | null;
}

export interface MutationInput extends ReviewContext {
  /** A private copy of the incoming object: change it and return mutate(object), or return allow(). */
  object: RawObject | null;
  oldObject: RawObject | null;
}

interface WebhookCommon {
  /** Fully qualified, e.g. `require-limits.kadmit.dev`; the apiserver shows it to users. */
  name: string;
  /** URL path the webhook is served on, e.g. `/validate/require-limits`. */
  path: string;
  rules: readonly Rule[];
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
  /**
   * How objects are checked before the handler sees them:
   * - `when-available` (default): against the schema of their kind when kadmit has one,
   *   else passed on raw;
   * - `required`: a kind without a schema is denied, naming the GVK;
   * - `off`: the handler receives unvalidated objects (size and depth are still bounded).
   */
  schemaValidation?: SchemaValidation;
  /**
   * Set when the handler calls `kube()`: workers then load the Kubernetes client
   * before they take reviews, instead of on the first call (about a second).
   */
  kubeApi?: boolean;
}

export interface ValidatingWebhookSpec extends WebhookCommon {
  validate(input: ValidationInput): Verdict | Promise<Verdict>;
}

export interface MutatingWebhookSpec extends WebhookCommon {
  reinvocationPolicy?: 'Never' | 'IfNeeded';
  mutate(input: MutationInput): MutationVerdict | Promise<MutationVerdict>;
}

interface WebhookResolved {
  readonly name: string;
  readonly path: string;
  readonly rules: readonly Rule[];
  readonly failurePolicy: FailurePolicy;
  readonly sideEffects: SideEffects;
  readonly timeoutSeconds: number;
  readonly kubeApi: boolean;
  readonly schemaValidation: SchemaValidation;
  readonly matchConditions?: readonly MatchCondition[];
  readonly objectSelector?: LabelSelector;
}

export interface ValidatingWebhook extends WebhookResolved {
  readonly type: 'validating';
  readonly validate: ValidatingWebhookSpec['validate'];
}

export interface MutatingWebhook extends WebhookResolved {
  readonly type: 'mutating';
  readonly reinvocationPolicy: 'Never' | 'IfNeeded';
  readonly mutate: MutatingWebhookSpec['mutate'];
}

export type Webhook = ValidatingWebhook | MutatingWebhook;

// The apiserver requires a webhook name to be a DNS subdomain with at least three labels.
const WEBHOOK_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?){2,}$/;
const WEBHOOK_PATH = /^\/[A-Za-z0-9\-._~/]*[A-Za-z0-9\-._~]$/;

function invalid(name: string, field: string, problem: string): never {
  throw new KadmitError('KADMIT_WEBHOOK_INVALID', `webhook "${name}": ${field} ${problem}`);
}

function resolveCommon(spec: WebhookCommon): WebhookResolved {
  const name = spec.name;
  if (typeof name !== 'string' || name.length > 253 || !WEBHOOK_NAME.test(name)) {
    invalid(String(name), 'name', 'must be a lowercase DNS name with at least three labels, e.g. "require-limits.kadmit.dev"');
  }
  if (typeof spec.path !== 'string' || !WEBHOOK_PATH.test(spec.path)) {
    invalid(name, 'path', `must start with "/" and not end with "/" (got ${JSON.stringify(spec.path)})`);
  }
  if (!Array.isArray(spec.rules) || spec.rules.length === 0) invalid(name, 'rules', 'must list at least one rule');
  spec.rules.forEach((rule, i) => {
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
  const schemaValidation = spec.schemaValidation ?? 'when-available';
  if (!['when-available', 'required', 'off'].includes(schemaValidation)) invalid(name, 'schemaValidation', 'must be when-available, required or off');
  const conditionNames = new Set<string>();
  (spec.matchConditions ?? []).forEach((c, i) => {
    if (typeof c?.name !== 'string' || !/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(c.name) || c.name.length > 63) invalid(name, `matchConditions[${i}].name`, 'must be a qualified name part (<= 63 characters)');
    if (conditionNames.has(c.name)) invalid(name, `matchConditions[${i}].name`, `repeats "${c.name}"`);
    if (typeof c.expression !== 'string' || c.expression.trim() === '') invalid(name, `matchConditions[${i}].expression`, 'must be a CEL expression');
    conditionNames.add(c.name);
  });
  if ((spec.matchConditions?.length ?? 0) > 64) invalid(name, 'matchConditions', 'may hold at most 64 conditions');
  return {
    name, path: spec.path, rules: spec.rules, failurePolicy, sideEffects, timeoutSeconds, kubeApi: spec.kubeApi === true, schemaValidation,
    ...(spec.matchConditions !== undefined && { matchConditions: spec.matchConditions }),
    ...(spec.objectSelector !== undefined && { objectSelector: spec.objectSelector }),
  };
}

export function defineValidatingWebhook(spec: ValidatingWebhookSpec): ValidatingWebhook {
  const common = resolveCommon(spec);
  if (typeof spec.validate !== 'function') invalid(common.name, 'validate', 'must be a function');
  return Object.freeze({ type: 'validating', ...common, validate: spec.validate });
}

export function defineMutatingWebhook(spec: MutatingWebhookSpec): MutatingWebhook {
  const common = resolveCommon(spec);
  if (typeof spec.mutate !== 'function') invalid(common.name, 'mutate', 'must be a function');
  const reinvocationPolicy = spec.reinvocationPolicy ?? 'Never';
  if (reinvocationPolicy !== 'Never' && reinvocationPolicy !== 'IfNeeded') {
    invalid(common.name, 'reinvocationPolicy', 'must be Never or IfNeeded');
  }
  return Object.freeze({ type: 'mutating', ...common, reinvocationPolicy, mutate: spec.mutate });
}

export function isWebhook(value: unknown): value is Webhook {
  if (typeof value !== 'object' || value === null) return false;
  const w = value as Partial<Webhook>;
  return (w.type === 'validating' && typeof w.validate === 'function') || (w.type === 'mutating' && typeof w.mutate === 'function');
}
