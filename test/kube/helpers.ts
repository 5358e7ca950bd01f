// Shared by the test/kube tests (not a test file).

// Poll until `pred` holds; fail with `what` after `ms` (a generous bound, not a timing assertion).
export async function until(pred: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

// The kind of error a handler's signal carries (issue 3's typed reasons).
export class DeadlineExceeded extends Error {
  readonly kind = 'deadline-exceeded';
}
