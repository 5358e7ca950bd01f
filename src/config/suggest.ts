// "Did you mean ...?" for a mistyped command or flag: the closest known name
// by edit distance (a swap of two neighbours counts as one edit), offered only
// when it is close enough to be the likely intent, or when what was typed
// starts exactly one known name.
import { errorMessage, UsageError } from '../errors.ts';

// Optimal string alignment distance: insertions, deletions, substitutions and
// transpositions of adjacent characters. Inputs are short (flag names).
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}

const MAX_INPUT = 64;

/** The known name `input` most likely meant, if one is close. */
export function closest(input: string, known: readonly string[]): string | undefined {
  if (input.length === 0 || input.length > MAX_INPUT) return undefined;
  // Two edits for names of 6 characters or more, one below: "--wbhook" -> "--webhook", not "--ca" -> "--url".
  const allowed = (name: string) => (Math.min(name.length, input.length) >= 6 ? 2 : 1);
  let best: { name: string; distance: number } | undefined;
  let tie = false;
  for (const name of known) {
    const distance = editDistance(input, name);
    if (distance > allowed(name)) continue;
    if (best === undefined || distance < best.distance) {
      best = { name, distance };
      tie = false;
    } else if (distance === best.distance) tie = true;
  }
  if (best !== undefined && !tie) return best.name;
  const started = known.filter((name) => input.length >= 3 && name.startsWith(input));
  return started.length === 1 ? started[0] : undefined;
}

/**
 * A parseArgs error as a usage error; an unknown option gets the closest known
 * flag (`options`: the parseArgs option names) or a pointer to the help.
 */
export function argsError(err: unknown, options: readonly string[], help: string): UsageError {
  const code = (err as { code?: unknown })?.code;
  const option = /Unknown option '([^']+)'/.exec(errorMessage(err))?.[1];
  if (code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || option === undefined) return new UsageError(errorMessage(err));
  const guess = option.startsWith('--') ? closest(option.slice(2), options) : undefined;
  return new UsageError(`Unknown option '${option}': ${guess !== undefined ? `did you mean --${guess}?` : `\`${help}\` lists the options`}`);
}
