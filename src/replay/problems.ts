// Fixture problems end the run before anything is sent: they are usage errors
// (exit 2) that name the file, the document, the line and the field.
import { UsageError } from '../config/load.ts';
import type { FixtureProblem } from './types.ts';

export function formatProblem(p: FixtureProblem): string {
  const where = [p.file, p.document !== undefined ? `document ${p.document}` : undefined, p.line !== undefined ? `line ${p.line}` : undefined]
    .filter(Boolean)
    .join(', ');
  return `${where}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
}

export class FixtureError extends UsageError {
  override readonly code = 'KADMIT_FIXTURE_INVALID';
  readonly problems: readonly FixtureProblem[];

  constructor(problems: readonly FixtureProblem[]) {
    const shown = problems.slice(0, 50).map(formatProblem);
    if (problems.length > 50) shown.push(`... and ${problems.length - 50} more`);
    super(`${problems.length === 1 ? 'invalid fixture' : `${problems.length} fixture problems`}:\n  ${shown.join('\n  ')}`);
    this.problems = problems;
  }
}
