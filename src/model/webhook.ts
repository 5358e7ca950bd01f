// The webhook definition as the rest of kadmit reads it: what a webhook module
// declares (rules, kinds, guards, failurePolicy...), the handler's input, and the
// resolved, checked webhook that the pipeline runs. The functions that check a
// definition and build a Webhook are in src/webhooks/define.ts.
import type { Logger } from 'pino';
import type {
  AdmissionregistrationV1Api,
  ApiextensionsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
} from '@kubernetes/client-node';
// Type-only: a webhook with kinds is typed by the kinds' object types.
import type { KindKey, KindObject } from '../schemas/types.ts';
import type { AdmissionRequest, Operation, RawObject } from './request.ts';
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

/** The Kubernetes API clients a handler's `kube()` gives (src/kube/client.ts builds them). */
export interface KubeClients {
  readonly signal: AbortSignal;
  readonly core: CoreV1Api;
  readonly admission: AdmissionregistrationV1Api;
  readonly apiextensions: ApiextensionsV1Api;
  readonly coordination: CoordinationV1Api;
  readonly events: EventsV1Api;
  readonly custom: CustomObjectsApi;
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
export type AnySpec = WebhookCommon & {
  kinds?: readonly string[];
  rules?: readonly Rule[];
  operations?: readonly Operation[];
  schemaValidation?: SchemaValidation;
};

export interface WebhookResolved {
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

export interface Guards {
  /**
   * Requests in these namespaces are not reviewed (e.g. SYSTEM_NAMESPACES). For a
   * Namespace object, its own name counts; cluster-scoped objects are always
   * reviewed. Rendered as a `kubernetes.io/metadata.name NotIn` namespaceSelector.
   */
  namespaces?: readonly string[];
  /**
   * A label key: an object carrying this label (any value) is not reviewed.
   * Rendered as an objectSelector `DoesNotExist`, with the apiserver's rules: an
   * UPDATE is reviewed unless both the object and the old object carry it, and
   * CONNECT is never reviewed (its options object has no labels). Whoever may set
   * labels may opt out: not for policies that guard security.
   */
  optOutLabel?: string;
  /** Operations not reviewed, e.g. ['DELETE']; rendered by leaving them out of the rules. */
  operations?: readonly Operation[];
}

/** Why a review was answered without calling the handler (a bounded metrics label). */
export type SkipReason = 'operation' | 'namespace' | 'opt-out-label';
