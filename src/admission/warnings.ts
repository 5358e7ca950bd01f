// The apiserver drops empty, duplicate, control-character and over-long warnings
// and caps their total. kadmit cleans them the same way before replying, so what
// the policy author sees in tests is what the user sees. When the total cuts some
// off, the last warning says how many.
export const MAX_WARNING_LENGTH = 120;
export const MAX_WARNINGS_TOTAL = 4096;
/** Warnings looked at; a handler's list beyond this is not read at all. */
export const MAX_WARNINGS_READ = 1024;

// C0 and C1 control characters, including newlines and tabs.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

export function sanitizeWarnings(warnings: readonly unknown[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  let total = 0;
  let dropped = Math.max(0, warnings.length - MAX_WARNINGS_READ);
  for (let i = 0; i < warnings.length && i < MAX_WARNINGS_READ; i++) {
    const raw = warnings[i];
    if (typeof raw !== 'string') continue;
    let text = raw.replace(CONTROL, ' ').trim().toWellFormed();
    if (text.length > MAX_WARNING_LENGTH) text = `${text.slice(0, MAX_WARNING_LENGTH - 3).trimEnd()}...`;
    if (text === '' || seen.has(text)) continue;
    if (total + text.length > MAX_WARNINGS_TOTAL) {
      dropped++;
      continue;
    }
    seen.add(text);
    total += text.length;
    out.push(text);
  }
  if (dropped === 0) return out;
  // Make room for the marker within the total.
  const marker = (n: number) => `${n} more warnings were not sent (at most ${MAX_WARNINGS_TOTAL} characters in all)`;
  while (out.length > 0 && total + marker(dropped + 1).length > MAX_WARNINGS_TOTAL) {
    total -= out.pop()!.length;
    dropped++;
  }
  out.push(marker(dropped));
  return out;
}
