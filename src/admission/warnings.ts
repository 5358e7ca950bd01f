// The apiserver drops empty, duplicate, control-character and over-long warnings
// and caps their total. kadmit cleans them the same way before replying, so what
// the policy author sees in tests is what the user sees.
export const MAX_WARNING_LENGTH = 120;
export const MAX_WARNINGS_TOTAL = 4096;

// C0 and C1 control characters, including newlines and tabs.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

export function sanitizeWarnings(warnings: readonly unknown[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  let total = 0;
  for (const raw of warnings) {
    if (typeof raw !== 'string') continue;
    let text = raw.replace(CONTROL, ' ').trim().toWellFormed();
    if (text.length > MAX_WARNING_LENGTH) text = `${text.slice(0, MAX_WARNING_LENGTH - 3).trimEnd()}...`;
    if (text === '' || seen.has(text)) continue;
    if (total + text.length > MAX_WARNINGS_TOTAL) break;
    seen.add(text);
    total += text.length;
    out.push(text);
  }
  return out;
}
