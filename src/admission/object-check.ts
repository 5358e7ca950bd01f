// The schema step of the pipeline: `object` and `oldObject` are checked against
// the schema of request.kind before any handler reads them. Size and depth are
// bounded for every webhook; the schema check follows the webhook's choice.
import { checkBounds, formatIssues, type SchemaIssue, type SchemaRegistry } from '../schemas/registry.ts';
import { formatGvk, type AdmissionRequest } from '../model/request.ts';
import type { Webhook } from '../model/webhook.ts';
import type { TreeSize } from '../schemas/bounds.ts';

export const MAX_MESSAGE_LENGTH = 1024;

export interface ObjectProblem {
  message: string;
  /** Every issue, for the debug log; the message lists the first ones. */
  issues: SchemaIssue[];
}

/** How deep `request.object` and `request.oldObject` sit in a review body. */
const OBJECT_DEPTH = 2;

/**
 * `bodySize`: the whole body's size when the pipeline measured it (json-limits.ts);
 * it bounds each object's, so a small object is not walked for its bounds again.
 */
export function checkObjects(webhook: Webhook, request: AdmissionRequest, schemas: SchemaRegistry | undefined, bodySize?: TreeSize): ObjectProblem | undefined {
  const validate = webhook.schemaValidation !== 'off' && schemas !== undefined && schemas.has(request.kind);
  if (!validate && webhook.schemaValidation === 'required') {
    return { message: `webhook "${webhook.name}" requires a schema, and kadmit has none for ${formatGvk(request.kind)}`, issues: [] };
  }
  const issues: SchemaIssue[] = [];
  const sizeAtMost = bodySize && { values: bodySize.values, depth: bodySize.depth - OBJECT_DEPTH };
  for (const slot of ['object', 'oldObject'] as const) {
    const value = request[slot];
    if (value === null) continue;
    // check() bounds the object itself before validating it.
    if (validate) {
      // Rules (x-kubernetes-validations) judge the incoming object, with the stored
      // one as oldSelf on UPDATE; the stored object passed them when it was written.
      const result = schemas.check(request.kind, value, slot === 'object' ? { oldObject: request.operation === 'UPDATE' ? request.oldObject : undefined, sizeAtMost } : { rules: false, sizeAtMost });
      if (!result.ok) issues.push(...result.issues.map((i) => prefixed(slot, i)));
    } else {
      const tooBig = checkBounds(value);
      if (tooBig) issues.push(prefixed(slot, tooBig));
    }
  }
  if (issues.length === 0) return undefined;
  const what = `${formatGvk(request.kind)} does not match its schema: `;
  return { message: what + formatIssues(issues, MAX_MESSAGE_LENGTH - what.length), issues };
}

// `spec.replicas` for the new object; the old one is named as such.
function prefixed(slot: 'object' | 'oldObject', issue: SchemaIssue): SchemaIssue {
  if (slot === 'object') return issue;
  return { ...issue, path: issue.path === '' ? 'oldObject' : `oldObject.${issue.path}` };
}
