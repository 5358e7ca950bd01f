// The public API of the `kadmit` package: what a policy project imports to
// define webhooks and policies. Everything here is also what kadmit's own
// built-in policies use. The test kit is `kadmit/testing`; the types of the
// built-in kinds are `kadmit/schemas`; zod, for a policy's settings schema, is
// `kadmit/zod`.
export { defineValidatingWebhook, defineMutatingWebhook } from './webhooks/define.ts';
export { SYSTEM_NAMESPACES } from './webhooks/guards.ts';
export type {
  FailurePolicy,
  Guards,
  HandlerObject,
  LabelSelector,
  MatchCondition,
  MutatingWebhook,
  MutatingWebhookSpec,
  MutationInput,
  ReviewContext,
  Rule,
  SchemaValidation,
  Scope,
  SideEffects,
  ValidatingWebhook,
  ValidatingWebhookSpec,
  ValidationInput,
  Webhook,
} from './model/webhook.ts';
export { definePolicy, type Policy, type PolicySpec } from './webhooks/policy.ts';
export { allow, deny, mutate, type Allowed, type Denied, type Mutated, type MutationVerdict, type Verdict, type VerdictExtras } from './model/verdict.ts';
export { withTimeout, type ChildSignal } from './admission/review-signal.ts';
export { ReviewAbortedError, type AbortKind } from './admission/abort.ts';
export { KadmitError } from './errors.ts';
export type { ErrorCode } from './error-codes.ts';
export type { AdmissionRequest, GroupVersionKind, GroupVersionResource, Operation, RawObject, UserInfo } from './model/request.ts';
export type { KubeClients } from './model/webhook.ts';
