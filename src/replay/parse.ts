// Reads a fixture file into documents: JSON (one document) or YAML (one or
// more), each with a way to find the line of a field for error messages.
import { readFileSync } from 'node:fs';
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import { errorMessage } from '../errors.ts';
import type { FixtureProblem } from './types.ts';

export interface ParsedDocument {
  /** 1-based, counting empty documents too, so numbers match what an editor shows. */
  index: number;
  value: unknown;
  line: number | undefined;
  /** Line of the field at `path` (or of its nearest parent that exists). */
  lineOf(path: readonly PropertyKey[]): number | undefined;
  /** The YAML document, for editing in place (undefined for JSON). */
  yaml: Document.Parsed | undefined;
}

export interface ParsedFile {
  text: string;
  documents: ParsedDocument[];
  problems: FixtureProblem[];
}

export function isJsonFile(file: string): boolean {
  return file.toLowerCase().endsWith('.json');
}

export function parseFixtureFile(path: string, display: string): ParsedFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { text: '', documents: [], problems: [{ file: display, message: `cannot read: ${errorMessage(err)}` }] };
  }
  return isJsonFile(path) ? parseJson(text, display) : parseYaml(text, display);
}

function parseJson(text: string, display: string): ParsedFile {
  try {
    const value: unknown = JSON.parse(text);
    return { text, documents: [{ index: 1, value, line: 1, lineOf: () => undefined, yaml: undefined }], problems: [] };
  } catch (err) {
    return { text, documents: [], problems: [{ file: display, document: 1, message: `not valid JSON: ${errorMessage(err)}` }] };
  }
}

function parseYaml(text: string, display: string): ParsedFile {
  const counter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: counter, uniqueKeys: true });
  const documents: ParsedDocument[] = [];
  const problems: FixtureProblem[] = [];
  if (!Array.isArray(docs)) return { text, documents, problems }; // an empty stream
  docs.forEach((doc, i) => {
    const index = i + 1;
    if (doc.errors.length > 0) {
      for (const err of doc.errors) {
        const line = err.linePos?.[0]?.line;
        problems.push({ file: display, document: index, ...(line !== undefined && { line }), message: `not valid YAML: ${err.message.split('\n')[0]}` });
      }
      return;
    }
    const lineAt = (offset: number | undefined) => (offset === undefined ? undefined : counter.linePos(offset).line);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      problems.push({ file: display, document: index, message: `cannot read YAML: ${errorMessage(err)}` });
      return;
    }
    documents.push({
      index,
      value,
      line: lineAt(doc.contents?.range[0]),
      lineOf(path) {
        for (let n = path.length; n >= 0; n--) {
          const node = doc.getIn(path.slice(0, n) as unknown[], true) as { range?: [number, number, number] } | undefined;
          if (node && typeof node === 'object' && node.range) return lineAt(node.range[0]);
        }
        return undefined;
      },
      yaml: doc,
    });
  });
  return { text, documents, problems };
}
