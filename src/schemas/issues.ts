// Schema issues as kadmit reports them: a field path a user can find in their
// manifest, what was expected and what arrived. zod's own messages are not used:
// they are generic ("Invalid input") and would differ between zod releases.
import { formatJsonPath } from '../json-path.ts';
import type * as z from 'zod';
import { describeReceived, jsonTypeOf, renderValue } from './leaves.ts';
import type { Leaf } from './leaves.ts';

export interface SchemaIssue {
  /** e.g. `spec.containers[0].ports[0].containerPort`; `''` for the object itself. */
  path: string;
  expected: string;
  received: string;
  /** `expected <expected>, got <received>`, or a sentence for issues that are not about one value. */
  message: string;
}

export function issue(path: string, expected: string, received: string): SchemaIssue {
  return { path, expected, received, message: `expected ${expected}, got ${received}` };
}

const TYPE_NAMES: Record<string, string> = { int: 'integer', record: 'object', nonoptional: 'a value' };

function listValues(values: readonly unknown[]): string {
  const shown = values.slice(0, 8).map((v) => JSON.stringify(v));
  return `one of ${shown.join(', ')}${values.length > shown.length ? ', …' : ''}`;
}

function sizeOf(input: unknown): string {
  if (typeof input === 'string') return `string of ${[...input].length} characters`;
  if (Array.isArray(input)) return `${input.length} items`;
  if (typeof input === 'object' && input !== null) return `${Object.keys(input).length} properties`;
  return renderValue(input);
}

function bound(iss: { origin: string; inclusive?: boolean }, kind: 'most' | 'least', n: number | bigint): string {
  switch (iss.origin) {
    case 'string':
      return `string of at ${kind} ${n} characters`;
    case 'array':
      return `at ${kind} ${n} items`;
    default: {
      const op = kind === 'most' ? (iss.inclusive === false ? '<' : '<=') : iss.inclusive === false ? '>' : '>=';
      return `number ${op} ${n}`;
    }
  }
}

function describe(iss: z.core.$ZodIssue): { expected: string; received: string } {
  const input = iss.input;
  switch (iss.code) {
    case 'invalid_type':
      return { expected: TYPE_NAMES[iss.expected] ?? iss.expected, received: jsonTypeOf(input) };
    case 'custom': {
      const leaf = iss.params?.['leaf'] as Leaf | undefined;
      if (leaf !== undefined) return { expected: leaf.expected(input), received: describeReceived(input, leaf) };
      return { expected: iss.message, received: renderValue(input) };
    }
    case 'invalid_value':
      return { expected: listValues(iss.values), received: renderValue(input) };
    case 'too_big':
      return { expected: bound(iss, 'most', iss.maximum), received: iss.origin === 'number' || iss.origin === 'int' ? renderValue(input) : sizeOf(input) };
    case 'too_small':
      return { expected: bound(iss, 'least', iss.minimum), received: iss.origin === 'number' || iss.origin === 'int' ? renderValue(input) : sizeOf(input) };
    case 'invalid_format':
      return { expected: iss.format === 'regex' && iss.pattern !== undefined ? `string matching ${iss.pattern}` : iss.format, received: renderValue(input) };
    case 'not_multiple_of':
      return { expected: `multiple of ${iss.divisor}`, received: renderValue(input) };
    case 'invalid_union': {
      // Each alternative failed; name what each wanted at this spot.
      const wanted = new Set<string>();
      for (const branch of iss.errors) {
        const first = branch.find((b) => b.path.length === 0);
        if (first !== undefined) wanted.add(describe({ ...first, input } as z.core.$ZodIssue).expected);
      }
      return { expected: wanted.size > 0 ? [...wanted].join(' or ') : 'one of the alternatives', received: jsonTypeOf(input) };
    }
    default:
      return { expected: iss.message, received: jsonTypeOf(input) };
  }
}

/** Converts zod issues (parsed with `reportInput: true`) into at most `limit` kadmit issues. */
export function fromZodIssues(issues: readonly z.core.$ZodIssue[], limit: number): SchemaIssue[] {
  const out: SchemaIssue[] = [];
  for (const iss of issues) {
    if (out.length >= limit) break;
    const { expected, received } = describe(iss);
    out.push(issue(formatJsonPath(iss.path), expected, received));
  }
  return out;
}

/**
 * One line for a denial message: `path: expected X, got Y; ...`, never longer than
 * `maxLength`; issues that do not fit are counted (`... and 3 more`).
 */
export function formatIssues(issues: readonly SchemaIssue[], maxLength = 1024): string {
  let out = '';
  let added = 0;
  for (const it of issues) {
    const part = `${it.path === '' ? '(root)' : it.path}: ${it.message}`;
    const candidate = added === 0 ? part : `${out}; ${part}`;
    const left = issues.length - added - 1;
    // Each accepted part leaves room for the "; and N more" that may follow it.
    if (candidate.length + (left > 0 ? `; and ${left} more`.length : 0) > maxLength) {
      if (added === 0) return part.length <= maxLength ? part : `${part.slice(0, Math.max(0, maxLength - 1))}…`.slice(0, maxLength);
      return `${out}; and ${issues.length - added} more`;
    }
    out = candidate;
    added++;
  }
  return out;
}
