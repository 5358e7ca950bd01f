// --record: writes what each webhook answered as the case's expectations. Case
// documents get their expect: replaced in place (the rest of the file, comments
// included, is kept); raw reviews get theirs in the sidecar `<file>.expect.yaml`.
// Patch values written into Secret data are redacted.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Document, parseAllDocuments } from 'yaml';
import type { PatchOperation } from '../admission/patch.ts';
import type { Expectation, TextMatcher } from './schema.ts';
import type { CaseResult } from './types.ts';
import { isJsonFile } from './parse.ts';
import { isSecret, redactPatch } from './redaction.ts';

// Error ids are random per answer; a recording must still match next time.
const ERROR_ID = /error id [0-9a-f]{8}/;

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

export function recordedText(text: string): TextMatcher {
  if (!ERROR_ID.test(text)) return text;
  return { matches: `^${text.split(/error id [0-9a-f]{8}/).map(escapeRegex).join('error id [0-9a-f]{8}')}$` };
}

/** The expectation that the observed answer meets; undefined when there was no answer to record. */
export function observedExpectation(result: CaseResult): Expectation | undefined {
  const o = result.observed;
  if (!o || o.allowed === undefined) return undefined;
  const e: Expectation = { allowed: o.allowed };
  if (o.code !== undefined) e.code = o.code;
  if (o.message !== undefined) e.message = recordedText(o.message);
  if (o.reason !== undefined) e.reason = recordedText(o.reason);
  e.warnings = (o.warnings ?? []).map(recordedText);
  e.auditAnnotations = Object.fromEntries(Object.entries(o.auditAnnotations ?? {}).map(([k, v]) => [k, recordedText(v)]));
  if (result.case.webhook.type === 'mutating') {
    const patch = (o.patch ?? []) as PatchOperation[];
    e.patch = redactPatch(patch, isSecret(result.case.review.request.object));
    if (patch.length > 0 && o.secondPatch !== undefined && o.secondPatch.length === 0) e.idempotent = true;
  }
  // A latency budget is a requirement, not an observation: keep the author's.
  if (result.case.expect?.maxLatency !== undefined) e.maxLatency = result.case.expect.maxLatency;
  return e;
}

export interface Recording {
  files: string[];
  recorded: number;
  /** Cases with no answer to record (the call failed). */
  skipped: CaseResult[];
}

function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.kadmit-record-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

function joinYaml(docs: readonly Document[]): string {
  return docs.map((d, i) => {
    const text = d.toString({ lineWidth: 0 });
    return i > 0 && !/^(#.*\n)*---/.test(text) ? `---\n${text}` : text;
  }).join('');
}

export function writeRecordings(results: readonly CaseResult[], cwd = process.cwd()): Recording {
  const byFile = new Map<string, { result: CaseResult; expect: Expectation }[]>();
  const skipped: CaseResult[] = [];
  for (const result of results) {
    const expect = observedExpectation(result);
    if (!expect) {
      skipped.push(result);
      continue;
    }
    const list = byFile.get(result.case.expectFile) ?? [];
    list.push({ result, expect });
    byFile.set(result.case.expectFile, list);
  }
  for (const [file, entries] of byFile) {
    const path = resolve(cwd, file);
    if (entries[0]!.result.case.form === 'case') writeInPlace(path, entries);
    else writeSidecar(path, entries);
  }
  return { files: [...byFile.keys()], recorded: results.length - skipped.length, skipped };
}

function writeInPlace(path: string, entries: { result: CaseResult; expect: Expectation }[]): void {
  const text = readFileSync(path, 'utf8');
  if (isJsonFile(path)) {
    const doc = JSON.parse(text) as Record<string, unknown>;
    doc.expect = entries[0]!.expect;
    writeAtomically(path, `${JSON.stringify(doc, null, 2)}\n`);
    return;
  }
  const docs = parseAllDocuments(text) as Document.Parsed[];
  for (const { result, expect } of entries) {
    const doc = docs[result.case.document - 1]!;
    doc.set('expect', doc.createNode(expect));
  }
  writeAtomically(path, joinYaml(docs));
}

function writeSidecar(path: string, entries: { result: CaseResult; expect: Expectation }[]): void {
  const existing = existsSync(path) ? (parseAllDocuments(readFileSync(path, 'utf8')) as Document.Parsed[]).filter((d) => d.contents !== null) : [];
  const docs: Document[] = [...existing];
  for (const { result, expect } of entries) {
    const found = docs.find((d) => d.get('document') === result.case.document);
    if (found) found.set('expect', found.createNode(expect));
    else docs.push(new Document({ document: result.case.document, webhook: result.case.webhook.name, expect }));
  }
  docs.sort((a, b) => Number(a.get('document')) - Number(b.get('document')));
  if (existing.length === 0 && docs[0]) docs[0].commentBefore = ` Expectations for the raw reviews in the file beside this one, by document number.\n Written by kadmit replay --record; see docs/replay.md.`;
  writeAtomically(path, joinYaml(docs));
}
