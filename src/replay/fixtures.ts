// Finds fixture files, reads every document, and turns each into a case: the
// review to send, the webhook it is for, and what to expect. Every problem is
// collected (file, document, line, field) so that one run reports them all.
import { existsSync, readdirSync, statSync } from 'node:fs';
import type { z } from 'zod';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { decodeReview, EnvelopeError } from '../admission/envelope.ts';
import { formatJsonPath } from '../json-path.ts';
import { isObject } from '../json.ts';
import { formatGvk, type Operation } from '../model/request.ts';
import { UsageError } from '../config/load.ts';
import { asReview, buildShorthandReview, type ReviewDocument } from './review.ts';
import { caseSchema, sidecarSchema, type CaseDocument, type Expectation, type SidecarDocument } from './schema.ts';
import { parseFixtureFile, type ParsedDocument } from './parse.ts';
import type { WebhookIndex } from './webhooks.ts';
import { namespaceLabelsProblem } from './namespaces.ts';
import type { Webhook } from '../model/webhook.ts';
import type { FixtureProblem, ReplayCase } from './types.ts';

const FIXTURE_FILE = /\.(json|ya?ml)$/i;
const SIDECAR_FILE = /\.expect\.ya?ml$/i;
// Configuration files that sit with fixtures are not fixtures.
const CONFIG_NAMES = new Set(['kadmit.yaml', 'kadmit.yml', 'kadmit.json']);

export function isFixtureFileName(name: string): boolean {
  return FIXTURE_FILE.test(name) && !SIDECAR_FILE.test(name) && !CONFIG_NAMES.has(name.toLowerCase());
}

/** `pods.json` -> `pods.expect.yaml`: where the expectations of a file's raw reviews live. */
export function sidecarPath(file: string): string {
  return file.replace(FIXTURE_FILE, '') + '.expect.yaml';
}

export function displayPath(path: string, cwd = process.cwd()): string {
  const rel = relative(cwd, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** Fixture files under the given paths (directories recursively), absolute, sorted, once each. */
export function discoverFixtures(paths: readonly string[], cwd = process.cwd()): string[] {
  const found = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && isFixtureFileName(entry.name)) found.add(full);
    }
  };
  for (const p of paths) {
    const abs = resolve(cwd, p);
    if (!existsSync(abs)) throw new UsageError(`fixture path ${p} does not exist`);
    if (statSync(abs).isDirectory()) walk(abs);
    else if (!FIXTURE_FILE.test(abs)) throw new UsageError(`fixture file ${p} is not .json, .yaml or .yml`);
    // Sidecars and configuration are read through their fixtures (a shell glob may name them).
    else if (isFixtureFileName(basename(abs))) found.add(abs);
  }
  return [...found];
}

export interface LoadOptions {
  webhooks: WebhookIndex;
  /** The `?timeout=` for a webhook when the fixture gives none. */
  timeoutFor(webhook: Webhook): string;
  /** --target: the webhook for fixtures that name none. */
  defaultWebhook?: string;
  cwd?: string;
}

export interface Loaded {
  cases: ReplayCase[];
  problems: FixtureProblem[];
  files: string[];
}

export function loadFixtures(paths: readonly string[], options: LoadOptions): Loaded {
  const cwd = options.cwd ?? process.cwd();
  const files = discoverFixtures(paths, cwd);
  const cases: ReplayCase[] = [];
  const problems: FixtureProblem[] = [];
  for (const file of files) loadFile(file, options, cwd, cases, problems);
  if (files.length === 0) problems.push({ file: paths.join(', '), message: 'no fixture files (.json, .yaml, .yml) found' });
  return { cases, problems, files };
}

type DocForm = 'raw-review' | 'raw-request' | 'case';

function classify(doc: Record<string, unknown>): DocForm {
  if (doc.kind === 'AdmissionReview' || (typeof doc.apiVersion === 'string' && doc.apiVersion.startsWith('admission.k8s.io/'))) return 'raw-review';
  if ('uid' in doc) return 'raw-request';
  return 'case';
}

/** Dotted display path back to segments, for finding its line. */
function segments(path: string): (string | number)[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!));
}

function loadFile(abs: string, options: LoadOptions, cwd: string, cases: ReplayCase[], problems: FixtureProblem[]): void {
  const file = displayPath(abs, cwd);
  const parsed = parseFixtureFile(abs, file);
  problems.push(...parsed.problems);
  const sidecarAbs = sidecarPath(abs);
  const sidecar = existsSync(sidecarAbs) ? loadSidecar(sidecarAbs, displayPath(sidecarAbs, cwd), problems) : new Map<number, SidecarDocument>();
  const usedSidecar = new Set<number>();

  for (const doc of parsed.documents) {
    const problem = (path: string | undefined, message: string, segs?: readonly PropertyKey[]) => {
      const line = (segs ? doc.lineOf(segs) : path ? doc.lineOf(segments(path)) : undefined) ?? doc.line;
      problems.push({ file, document: doc.index, ...(line !== undefined && { line }), ...(path && { path }), message });
    };
    if (doc.value === null || doc.value === undefined) continue; // an empty YAML document
    if (!isObject(doc.value)) {
      problem(undefined, 'expected a mapping: an AdmissionReview, an AdmissionRequest, or a case (see docs/replay.md)');
      continue;
    }
    const form = classify(doc.value);
    let review: ReviewDocument;
    let caseDoc: CaseDocument | SidecarDocument | undefined;
    let toFixturePath: (p: string) => string;
    if (form === 'case') {
      const result = caseSchema.safeParse(doc.value);
      if (!result.success) {
        forEachIssue(result.error.issues, problem);
        continue;
      }
      caseDoc = result.data;
      if (caseDoc.review) {
        review = caseDoc.review as ReviewDocument;
        toFixturePath = (p) => `review.${p}`;
      } else if (caseDoc.request) {
        review = asReview({ request: caseDoc.request });
        toFixturePath = (p) => p;
      } else {
        const { operation, object, oldObject, namespace, resourceName, resource, subResource, userInfo, dryRun, options: opts } = caseDoc;
        review = buildShorthandReview({
          operation: operation as Operation,
          ...(object !== undefined && { object }),
          ...(oldObject !== undefined && { oldObject }),
          ...(namespace !== undefined && { namespace }),
          ...(resourceName !== undefined && { resourceName }),
          ...(resource !== undefined && { resource }),
          ...(subResource !== undefined && { subResource }),
          ...(userInfo !== undefined && { userInfo }),
          ...(dryRun !== undefined && { dryRun }),
          ...(opts !== undefined && { options: opts }),
        });
        toFixturePath = (p) => p.replace(/^request\./, '');
      }
    } else {
      review = asReview(doc.value);
      toFixturePath = form === 'raw-request' && !isObject(doc.value.request) ? (p) => p.replace(/^request\./, '') : (p) => p;
      caseDoc = sidecar.get(doc.index);
      if (caseDoc) usedSidecar.add(doc.index);
    }

    // A fixture must be a review the apiserver could send: checked by the same decoder kadmit serves with.
    let decoded;
    try {
      decoded = decodeReview(review);
    } catch (err) {
      if (!(err instanceof EnvelopeError)) throw err;
      for (const issue of err.issues) problem(toFixturePath(issue.path), issue.message);
      continue;
    }

    const sidecarHint = form === 'case' ? '' : ` (for a raw review, in ${displayPath(sidecarAbs, cwd)})`;
    const resolved = options.webhooks.resolve(caseDoc?.webhook ?? options.defaultWebhook);
    if ('problem' in resolved) {
      problem(caseDoc?.webhook !== undefined ? 'webhook' : undefined, `${resolved.problem}${sidecarHint}`);
      continue;
    }
    const webhook = resolved.webhook;
    const expect: Expectation | undefined = caseDoc?.expect;
    if (expect?.idempotent && webhook.type !== 'mutating') {
      problem('expect.idempotent', `applies to mutating webhooks; ${webhook.name} is validating`);
      continue;
    }
    const r = decoded.request;
    const namespaceLabels = caseDoc?.namespaceLabels;
    const labelsProblem = namespaceLabels === undefined ? undefined : namespaceLabelsProblem(r);
    if (labelsProblem !== undefined) {
      problem('namespaceLabels', `${labelsProblem}${sidecarHint}`);
      continue;
    }
    const target = [r.namespace, r.name].filter(Boolean).join('/');
    cases.push({
      id: `${file}#${doc.index}`,
      file,
      document: doc.index,
      line: doc.line,
      name: caseDoc?.name ?? `${r.operation} ${formatGvk(r.kind)}${target ? ` ${target}` : ''}`,
      form: form === 'case' ? 'case' : 'raw',
      webhook,
      review,
      timeout: caseDoc?.timeout ?? options.timeoutFor(webhook),
      expect,
      expectFile: form === 'case' ? file : displayPath(sidecarAbs, cwd),
      match: options.webhooks.matcher.match(webhook, r, review.request, namespaceLabels),
    });
  }

  for (const [index] of sidecar) {
    if (usedSidecar.has(index)) continue;
    const target = parsed.documents.find((d) => d.index === index);
    const why = target && isObject(target.value) && classify(target.value) === 'case'
      ? `document ${index} of ${file} is a case: put expect: in it`
      : `${file} has no raw review as document ${index}`;
    problems.push({ file: displayPath(sidecarAbs, cwd), path: 'document', message: why });
  }
}

function loadSidecar(abs: string, display: string, problems: FixtureProblem[]): Map<number, SidecarDocument> {
  const parsed = parseFixtureFile(abs, display);
  problems.push(...parsed.problems);
  const out = new Map<number, SidecarDocument>();
  for (const doc of parsed.documents) {
    if (doc.value === null || doc.value === undefined) continue;
    const result = sidecarSchema.safeParse(doc.value);
    if (!result.success) {
      forEachIssue(result.error.issues, (path, message, segs) => pushIssue(problems, display, doc, path, message, segs));
      continue;
    }
    if (out.has(result.data.document)) {
      pushIssue(problems, display, doc, 'document', `document ${result.data.document} already has expectations in this file`, ['document']);
      continue;
    }
    out.set(result.data.document, result.data);
  }
  return out;
}

/** zod issues as (path, message, segments); each unknown key is named where it is written, not its parent. */
function forEachIssue(issues: readonly z.core.$ZodIssue[], report: (path: string, message: string, segs: readonly PropertyKey[]) => void): void {
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') for (const key of issue.keys) report(formatJsonPath([...issue.path, key], '(root)'), 'unknown field (see docs/replay.md)', [...issue.path, key]);
    else report(formatJsonPath(issue.path, '(root)'), issue.message, issue.path);
  }
}

function pushIssue(problems: FixtureProblem[], file: string, doc: ParsedDocument, path: string, message: string, segs: readonly PropertyKey[]): void {
  const line = doc.lineOf(segs) ?? doc.line;
  problems.push({ file, document: doc.index, ...(line !== undefined && { line }), path, message });
}
