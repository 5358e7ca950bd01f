// Polls a condition: true as soon as it holds, false once `ms` have passed (a
// generous bound for the test to report, not a timing assertion).
export async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}
