// Budgets from `?timeout=` and nested deadlines that can only shrink.
import t from 'tap';
import { parseGoDuration, reviewBudget } from '../../src/admission/deadline.ts';
import { createReviewSignal, withTimeout } from '../../src/admission/review-signal.ts';
import { ReviewAbortedError, abortKindOf } from '../../src/admission/abort.ts';

t.test('Go durations', async (t) => {
  t.equal(parseGoDuration('10s'), 10_000);
  t.equal(parseGoDuration('1m'), 60_000);
  t.equal(parseGoDuration('1.5s'), 1_500);
  t.equal(parseGoDuration('500ms'), 500);
  t.equal(parseGoDuration('1m30s'), 90_000);
  t.equal(parseGoDuration('-1s'), -1_000);
  t.equal(parseGoDuration('0'), 0);
  for (const bad of ['abc', '', '10', 's', '1.5.5s', '10 s', '1d']) t.equal(parseGoDuration(bad), undefined, bad);
});

t.test('the budget: the earlier of ?timeout= and timeoutSeconds, less the margin', async (t) => {
  t.same(reviewBudget('10s', 10, 500), { budgetMs: 9_500, timeoutMs: 10_000 });
  t.same(reviewBudget('3s', 10, 500), { budgetMs: 2_500, timeoutMs: 3_000 }, 'apiserver has less time left');
  t.same(reviewBudget('30s', 5, 500), { budgetMs: 4_500, timeoutMs: 5_000 }, 'capped by the webhook');
  t.same(reviewBudget('1s', 1, 500), { budgetMs: 500, timeoutMs: 1_000 });
  t.same(reviewBudget('600ms', 10, 500), { budgetMs: 300, timeoutMs: 600 }, 'never less than half the timeout');
  for (const [param, fallback] of [[undefined, 'missing'], ['abc', 'malformed'], ['-1s', 'out-of-range'], ['0', 'out-of-range'], ['1h', 'out-of-range']] as const) {
    t.same(reviewBudget(param, 7, 500), { budgetMs: 6_500, timeoutMs: 7_000, fallback }, String(param));
  }
});

t.test('a review signal names its cause', async (t) => {
  const never = new AbortController().signal;
  const deadline = createReviewSignal(Date.now() + 20, 20, never, never);
  await new Promise((r) => deadline.signal.addEventListener('abort', r));
  t.equal(abortKindOf(deadline.signal), 'deadline-exceeded');
  t.match(deadline.signal.reason.message, /no decision within 0\.02s/);

  const client = new AbortController();
  const gone = createReviewSignal(Date.now() + 10_000, 10_000, client.signal, never);
  client.abort();
  t.equal(abortKindOf(gone.signal), 'client-disconnected');

  const shutdown = new AbortController();
  const stopping = createReviewSignal(Date.now() + 10_000, 10_000, never, shutdown.signal);
  shutdown.abort();
  t.equal(abortKindOf(stopping.signal), 'shutdown');

  const first = new AbortController();
  const both = createReviewSignal(Date.now() + 10_000, 10_000, first.signal, shutdown.signal);
  t.equal(abortKindOf(both.signal), 'shutdown', 'an already-aborted source wins at once');
  const disposed = createReviewSignal(Date.now() + 10, 10, first.signal, never);
  disposed.dispose();
  await new Promise((r) => setTimeout(r, 30));
  t.notOk(disposed.signal.aborted, 'dispose() cancels the deadline timer');
});

t.test('withTimeout only ever shortens the deadline', async (t) => {
  const parent = new AbortController();
  const parentDeadline = Date.now() + 1_000;
  const longer = withTimeout({ signal: parent.signal, deadline: parentDeadline }, 60_000);
  t.equal(longer.deadline, parentDeadline, 'asking for more yields the parent deadline');
  longer.dispose();

  const shorter = withTimeout({ signal: parent.signal, deadline: parentDeadline }, 20);
  t.ok(shorter.deadline < parentDeadline);
  await new Promise((r) => shorter.signal.addEventListener('abort', r));
  t.type(shorter.signal.reason, ReviewAbortedError);
  t.equal(abortKindOf(shorter.signal), 'deadline-exceeded');
  t.notOk(parent.signal.aborted, 'the parent is untouched');

  const child = withTimeout({ signal: parent.signal, deadline: parentDeadline }, 500);
  const grandchild = withTimeout(child, 60_000);
  t.equal(grandchild.deadline, child.deadline, 'nesting never resets');
  parent.abort(new ReviewAbortedError('client-disconnected', 'gone'));
  t.equal(abortKindOf(child.signal), 'client-disconnected', 'the parent reason passes through');
  t.equal(abortKindOf(grandchild.signal), 'client-disconnected');
});
