// kadmit's test kit (`kadmit/testing`): build a review from an object in one
// call, send it through the pipeline `kadmit serve` uses (schema check, review
// worker, deadline, failurePolicy), and get back the wire answer, the decoded
// patch and the patched object. It returns plain values and never asserts, so
// it works with any test runner.
import { fileURLToPath } from 'node:url';
import type { AdmissionResponse, Operation, RawObject, UserInfo } from '../model/request.ts';
import type { PatchOperation } from '../admission/patch.ts';
import { UsageError } from '../errors.ts';
import { buildShorthandReview, DEFAULT_USER, type ReviewDocument } from '../replay/review.ts';
import { prepareTarget, type Target } from '../replay/setup.ts';
import { judgeAnswer } from '../replay/contract.ts';
import { observe, runCases } from '../replay/run.ts';
import { loadFixtures } from '../replay/fixtures.ts';
import { FixtureError } from '../replay/problems.ts';
import type { CaseResult } from '../replay/types.ts';
import type { Webhook } from '../model/webhook.ts';

export type { CaseResult, PatchOperation, ReviewDocument };

export interface TestKitOptions {
  /**
   * A kadmit.yaml to take webhooks, settings and CRDs from; default: ./kadmit.yaml
   * when it exists. Paths in it are relative to the file.
   */
  config?: string | URL;
  /** Webhook modules (paths or file URLs) or `builtin:<name>`; replaces the config's list. */
  webhooks?: readonly (string | URL)[];
  /** Policy settings keyed by the webhook spec as given in `webhooks` or the config. */
  settings?: Readonly<Record<string, unknown>>;
  /** CRD manifests whose schemas objects are checked against. */
  crds?: readonly (string | URL)[];
  /** Review worker threads, as `kadmit serve` runs handlers (default 1); 0 runs them on this thread. */
  workers?: number;
  /** Log level of kadmit and handler logs on stderr (default silent). */
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
}

export interface ReviewOptions<T extends object = RawObject> {
  /** Default: CREATE with an object, DELETE with only `oldObject`. */
  operation?: Operation;
  oldObject?: T | null;
  /** Default: the object's metadata.namespace, else `default` for namespaced built-in kinds. */
  namespace?: string;
  /** A username, or the full userInfo; default `kadmit-replay` in system:authenticated. */
  user?: string | UserInfo;
  dryRun?: boolean;
  subResource?: string;
  /** The apiserver's `?timeout=`, a Go duration such as `10s` (default: the webhook's timeoutSeconds). */
  timeout?: string;
}

export interface ReviewResult<T extends object = RawObject> {
  /** The webhook's decision as the apiserver reads it. */
  allowed: boolean;
  /** status.code, status.message and status.reason of a denial (or a failurePolicy answer). */
  code: number | undefined;
  message: string | undefined;
  reason: string | undefined;
  warnings: string[];
  auditAnnotations: Record<string, string>;
  /** The RFC 6902 operations the answer carried; [] when none. */
  patch: PatchOperation[];
  /** The object with the patch applied (the object itself when there was no patch). */
  object: T | null;
  /** The answer as sent on the wire. */
  httpStatus: number;
  response: AdmissionResponse | undefined;
  body: string;
  /** What the apiserver would refuse in this answer (bad patch, uid mismatch, no answer...); [] when none. */
  problems: string[];
  /** The AdmissionReview that was sent. */
  review: ReviewDocument;
  latencyMs: number;
}

export interface TestKit extends AsyncDisposable {
  /** The webhooks loaded, by name. */
  readonly webhooks: readonly Webhook[];
  /** Reviews `object` with the webhook named by its name or path (or the only one loaded). */
  review<T extends object>(webhook: string | undefined, object: T | null, options?: ReviewOptions<T>): Promise<ReviewResult<T>>;
  /** Sends a whole AdmissionReview (e.g. recorded from a cluster) as it is. */
  send(webhook: string | undefined, review: ReviewDocument): Promise<ReviewResult>;
  /** Runs fixture files or folders (the `kadmit replay` format) and returns each case's result. */
  replay(paths: readonly (string | URL)[]): Promise<CaseResult[]>;
  close(): Promise<void>;
}

const asPath = (p: string | URL): string => (p instanceof URL ? fileURLToPath(p) : p);

/** Loads the webhooks (and starts their workers); close() the kit when done. */
export async function createTestKit(options: TestKitOptions = {}): Promise<TestKit> {
  const specs = options.webhooks?.map((w) => (w instanceof URL ? fileURLToPath(w) : w));
  const target = await prepareTarget({
    ...(options.config !== undefined && { config: asPath(options.config) }),
    ...(specs !== undefined && { webhook: specs }),
    ...(options.settings !== undefined && { settings: JSON.stringify(options.settings) }),
    ...(options.crds !== undefined && { crd: options.crds.map(asPath) }),
    workers: String(options.workers ?? 1),
    'log-level': options.logLevel ?? 'silent',
    // The kit is judged by its arguments alone, never by KADMIT_* variables around the test.
  }, {});
  return kitFor(target);
}

function kitFor(target: Target): TestKit {
  const find = (ref: string | undefined): Webhook => {
    const found = target.webhooks.resolve(ref, 'pass its name or path to review()');
    if ('problem' in found) throw new UsageError(`kadmit/testing: ${found.problem}`);
    return found.webhook;
  };
  async function send(ref: string | undefined, review: ReviewDocument, timeout?: string): Promise<ReviewResult> {
    const webhook = find(ref);
    const answer = await target.sender.send(webhook, Buffer.from(JSON.stringify(review)), timeout ?? target.timeoutFor(webhook));
    const judged = judgeAnswer(webhook, review, answer);
    const observed = observe(answer.httpStatus, judged);
    return {
      allowed: observed.allowed === true,
      code: observed.code,
      message: observed.message,
      reason: observed.reason,
      warnings: observed.warnings ?? [],
      auditAnnotations: observed.auditAnnotations ?? {},
      patch: judged.patch,
      object: (judged.patchedObject ?? null) as RawObject | null,
      httpStatus: answer.httpStatus,
      response: judged.response as AdmissionResponse | undefined,
      body: answer.body,
      problems: judged.violations.map((v) => v.message),
      review,
      latencyMs: answer.latencyMs,
    };
  }
  const close = () => target.sender.close();
  return {
    webhooks: target.webhooks.webhooks,
    review: async <T extends object>(ref: string | undefined, object: T | null, options: ReviewOptions<T> = {}) => {
      const review = buildReview(object, options);
      return (await send(ref, review, options.timeout)) as ReviewResult<T>;
    },
    send: (ref, review) => send(ref, review),
    async replay(paths) {
      const loaded = loadFixtures(paths.map(asPath), { webhooks: target.webhooks, timeoutFor: target.timeoutFor });
      if (loaded.problems.length > 0) throw new FixtureError(loaded.problems);
      return runCases(loaded.cases, target.sender);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** The AdmissionReview the apiserver would send for this object and operation. */
export function buildReview<T extends object>(object: T | null, options: ReviewOptions<T> = {}): ReviewDocument {
  const operation = options.operation ?? (object === null && options.oldObject ? 'DELETE' : 'CREATE');
  // The apiserver always sends the stored object on UPDATE; without it, transition rules and old/new comparisons test nothing.
  if (operation === 'UPDATE' && (options.oldObject === null || options.oldObject === undefined)) {
    throw new UsageError('kadmit/testing: an UPDATE review needs oldObject (the object as stored)');
  }
  const source = operation === 'DELETE' ? options.oldObject : object ?? options.oldObject;
  if (source === null || source === undefined || typeof source !== 'object') {
    throw new UsageError(`kadmit/testing: a ${operation} review needs ${operation === 'DELETE' ? 'oldObject' : 'an object'}`);
  }
  const typed = source as RawObject;
  if (typeof typed.apiVersion !== 'string' || typeof typed.kind !== 'string') {
    throw new UsageError('kadmit/testing: the object needs apiVersion and kind (strings), as the apiserver sends it');
  }
  const user = options.user;
  return buildShorthandReview({
    operation,
    object: object as RawObject | null,
    ...(options.oldObject !== undefined && { oldObject: options.oldObject as RawObject | null }),
    ...(options.namespace !== undefined && { namespace: options.namespace }),
    ...(options.subResource !== undefined && { subResource: options.subResource }),
    ...(options.dryRun !== undefined && { dryRun: options.dryRun }),
    ...(user !== undefined && { userInfo: typeof user === 'string' ? { ...structuredClone(DEFAULT_USER), username: user } : user }),
  });
}
