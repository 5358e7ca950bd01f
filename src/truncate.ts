// One way to shorten text that a handler or a client made too long: cut it and
// say so, with the length it had, so nobody mistakes the cut for the whole.
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = `… [truncated: ${text.length} characters in all]`;
  // toWellFormed: the cut may split a surrogate pair.
  return text.slice(0, Math.max(0, max - marker.length)).toWellFormed() + marker;
}
