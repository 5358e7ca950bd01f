// Would the apiserver call this webhook for this request? Decided on what
// `kadmit manifests` renders for the webhook (rules with skipped operations
// left out, the namespaceSelector with kadmit's own namespace, kube-system and
// the skipped namespaces, the objectSelector with the opt-out label,
// matchConditions), so replay and the cluster agree. A request is sent when the
// rules, the namespaceSelector, the objectSelector and every matchCondition
// match; otherwise the case is skipped with the reason.
import type { AdmissionRequest } from '../model/request.ts';
import { UsageError } from '../errors.ts';
import { manifestConfigSchema } from '../manifests/config.ts';
import { webhookConfigurations } from '../manifests/webhook-configurations.ts';
import type { LabelSelector, MatchCondition, Rule, Webhook } from '../model/webhook.ts';
import { formatLabels, isEmptySelector, labelsOf, unmetRequirement, type Labels } from './label-selector.ts';
import { compileCondition, conditionVariables, evaluateConditions, type CompiledCondition } from './match-conditions.ts';
import { namespaceFor, type NamespaceDirectory } from './namespaces.ts';
import { describeRequest, describeRules, ruleMatches } from './rule-match.ts';
import type { MatchOutcome, MatchStage } from './types.ts';

/** What the apiserver gets for one webhook: its entry in the rendered webhook configuration. */
interface Registration {
  rules: Rule[];
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  conditions: CompiledCondition[];
}

function register(webhook: Webhook, where: { namespace: string; serviceName: string }): Registration {
  const config = manifestConfigSchema.parse(where);
  const entry = (webhookConfigurations([webhook], config)[0]!.webhooks as Record<string, unknown>[])[0]!;
  const conditions = ((entry.matchConditions ?? []) as MatchCondition[]).map((c, i) => {
    const compiled = compileCondition(c);
    if (typeof compiled === 'string') throw new UsageError(`webhook ${webhook.name}: matchConditions[${i}] ("${c.name}") does not compile: ${compiled}`);
    return compiled;
  });
  return {
    rules: entry.rules as Rule[],
    ...(entry.namespaceSelector !== undefined && { namespaceSelector: entry.namespaceSelector as LabelSelector }),
    ...(entry.objectSelector !== undefined && { objectSelector: entry.objectSelector as LabelSelector }),
    conditions,
  };
}

function objectSelectorMismatch(selector: LabelSelector, request: AdmissionRequest): string | undefined {
  // An empty selector matches every request, even one whose objects cannot carry labels.
  if (isEmptySelector(selector)) return undefined;
  // Either the object or the old object matching is enough; one without metadata never matches.
  const candidates = [['object', request.object], ['old object', request.oldObject]] as const;
  const described: string[] = [];
  let unmet = '';
  for (const [label, object] of candidates) {
    if (object === null) continue;
    const labels = labelsOf(object);
    if (labels === undefined) {
      described.push(`the ${label} has no metadata`);
      continue;
    }
    const requirement = unmetRequirement(selector, labels);
    if (requirement === undefined) return undefined;
    unmet ||= requirement;
    described.push(`the ${label} has ${formatLabels(labels)}`);
  }
  if (described.length === 0) return 'objectSelector: the request carries no object';
  return `objectSelector: ${unmet ? `needs ${unmet}; ` : ''}${described.join(', ')}`;
}

export class RequestMatcher {
  readonly #registrations = new Map<Webhook, Registration>();
  readonly #directory: NamespaceDirectory;

  /** `where`: kadmit's namespace and service, which the rendered namespaceSelector leaves out. */
  constructor(webhooks: readonly Webhook[], where: { namespace: string; serviceName: string }, directory: NamespaceDirectory = new Map()) {
    for (const webhook of webhooks) this.#registrations.set(webhook, register(webhook, where));
    this.#directory = directory;
  }

  /** `raw`: the request as sent (what matchConditions read); `namespaceLabels`: the fixture's. */
  match(webhook: Webhook, request: AdmissionRequest, raw: Readonly<Record<string, unknown>>, namespaceLabels?: Labels): MatchOutcome {
    const registration = this.#registrations.get(webhook);
    if (registration === undefined) throw new Error(`webhook ${webhook.name} is not one the matcher was built for`);
    const skip = (by: MatchStage, reason: string): MatchOutcome => ({ sent: false, skipped: { by, reason } });

    if (!registration.rules.some((rule) => ruleMatches(rule, request))) {
      return skip('rules', `rules: ${describeRequest(request)} matches none of ${describeRules(registration.rules)}`);
    }
    const namespace = registration.namespaceSelector && namespaceFor(request, this.#directory, namespaceLabels);
    if (registration.namespaceSelector && namespace) {
      const unmet = unmetRequirement(registration.namespaceSelector, namespace.labels);
      if (unmet !== undefined) {
        return skip('namespaceSelector', `namespaceSelector: needs ${unmet}; namespace "${namespace.name}" has ${formatLabels(namespace.labels)} (labels from ${namespace.source})`);
      }
    }
    if (registration.objectSelector) {
      const why = objectSelectorMismatch(registration.objectSelector, request);
      if (why !== undefined) return skip('objectSelector', why);
    }
    if (registration.conditions.length === 0) return { sent: true, notes: [] };
    const outcome = evaluateConditions(registration.conditions, conditionVariables(raw), webhook.failurePolicy);
    if ('rejects' in outcome) return { sent: false, rejected: outcome.rejects };
    if (!outcome.matches) return skip('matchConditions', outcome.reason);
    return {
      sent: true,
      notes: outcome.unevaluated.map((name) => `matchConditions: "${name}" uses authorizer, which replay cannot evaluate offline: assumed true`),
    };
  }
}
