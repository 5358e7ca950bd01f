// The shapes shared by the loader, the runner, the reports and the recorder.
import type { Webhook } from '../model/webhook.ts';
import type { Expectation } from './schema.ts';
import type { ReviewDocument } from './review.ts';

export type MatchStage = 'rules' | 'namespaceSelector' | 'objectSelector' | 'matchConditions';

export type MatchOutcome =
  /** notes: what could not be decided offline (assumed to match). */
  | { sent: true; notes: string[] }
  | { sent: false; skipped: { by: MatchStage; reason: string } }
  /** The apiserver would refuse the request itself, without calling (a matchCondition error under Fail). */
  | { sent: false; rejected: string };

/** How a fixture document was written; decides where --record puts expectations. */
export type FixtureForm = 'case' | 'raw';

export interface ReplayCase {
  /** `file#document`, unique in a run. */
  id: string;
  /** The fixture file as given (relative to the working directory when inside it). */
  file: string;
  /** 1-based document number in the file. */
  document: number;
  /** Line of the document's first content in the file, when known. */
  line: number | undefined;
  name: string;
  form: FixtureForm;
  webhook: Webhook;
  review: ReviewDocument;
  /** The `?timeout=` sent with the review. */
  timeout: string;
  expect: Expectation | undefined;
  /** Where expect: came from, or would go on --record. */
  expectFile: string;
  /** Whether the apiserver would send this request to the webhook (rules, selectors, matchConditions). */
  match: MatchOutcome;
}

/** One problem with a fixture file: reported with its place, and the run exits 2. */
export interface FixtureProblem {
  file: string;
  document?: number;
  line?: number;
  path?: string;
  message: string;
}

/** One expectation (or apiserver rule) that did not hold. */
export interface Failure {
  /** The expectation key (`message`, `patch`, ...), or `contract` / `call` for the apiserver's rules. */
  check: string;
  message: string;
  expected?: unknown;
  actual?: unknown;
}

/** What the webhook answered, as far as the expectations are concerned. */
export interface Observed {
  httpStatus: number;
  allowed?: boolean;
  code?: number;
  message?: string;
  reason?: string;
  warnings?: string[];
  auditAnnotations?: Record<string, string>;
  patch?: unknown[];
  patchedObject?: unknown;
  /** Set when the patched object was reviewed again: did it yield a patch? */
  secondPatch?: unknown[];
}

export interface CaseResult {
  case: ReplayCase;
  /** false for a skipped case too: nothing was checked. */
  passed: boolean;
  /** Whether replay sent the request (not when the apiserver would not, or the fixture expects it would not). */
  sent: boolean;
  /** Not sent, and the fixture expected nothing about that: neither passed nor failed. */
  skipped?: { by: MatchStage; reason: string };
  /** What replay could not decide offline, or why a case that expected not to be sent was not. */
  notes?: string[];
  latencyMs: number;
  /** Expectations checked (including the apiserver's rules), passed or not. */
  checks: number;
  failures: Failure[];
  observed: Observed | undefined;
}
