// One AbortSignal per review that fires on the first of: the client going away,
// the deadline, or shutdown, with the cause as a typed reason. Everything it
// registers is removed by dispose(), so nothing outlives the review.
import { ReviewAbortedError } from './abort.ts';

export interface ReviewSignal {
  signal: AbortSignal;
  dispose(): void;
}

export function createReviewSignal(deadline: number, budgetMs: number, clientGone: AbortSignal, shutdown: AbortSignal): ReviewSignal {
  const controller = new AbortController();
  const abort = (reason: ReviewAbortedError) => {
    if (!controller.signal.aborted) controller.abort(reason);
    dispose();
  };
  const onClientGone = () => abort(new ReviewAbortedError('client-disconnected', 'the client closed the connection before the answer was written'));
  const onShutdown = () => abort(new ReviewAbortedError('shutdown', 'kadmit is shutting down'));
  const timer = setTimeout(
    () => abort(new ReviewAbortedError('deadline-exceeded', `no decision within ${formatSeconds(budgetMs)}`)),
    Math.max(0, deadline - Date.now()),
  );
  function dispose() {
    clearTimeout(timer);
    clientGone.removeEventListener('abort', onClientGone);
    shutdown.removeEventListener('abort', onShutdown);
  }
  if (clientGone.aborted) onClientGone();
  else if (shutdown.aborted) onShutdown();
  else {
    clientGone.addEventListener('abort', onClientGone, { once: true });
    shutdown.addEventListener('abort', onShutdown, { once: true });
  }
  return { signal: controller.signal, dispose };
}

export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}

export interface ChildSignal {
  signal: AbortSignal;
  deadline: number;
  /** Releases the timer and the listener on the parent once the nested work is done. */
  dispose(): void;
}

/**
 * A child signal for nested work: it aborts with the parent (same reason), or
 * with `deadline-exceeded` after `timeoutMs` if that comes first. It can only
 * shorten the parent's deadline: asking for more yields the parent's deadline.
 */
export function withTimeout(parent: { signal: AbortSignal; deadline: number }, timeoutMs: number): ChildSignal {
  const deadline = Math.min(parent.deadline, Date.now() + Math.max(0, timeoutMs));
  const controller = new AbortController();
  const finish = (reason: unknown) => {
    dispose();
    if (!controller.signal.aborted) controller.abort(reason);
  };
  const onParent = () => finish(parent.signal.reason);
  const timer = setTimeout(
    () => finish(new ReviewAbortedError('deadline-exceeded', `nested work got no result within ${formatSeconds(timeoutMs)}`)),
    Math.max(0, deadline - Date.now()),
  );
  function dispose() {
    clearTimeout(timer);
    parent.signal.removeEventListener('abort', onParent);
  }
  if (parent.signal.aborted) onParent();
  else parent.signal.addEventListener('abort', onParent, { once: true });
  return { signal: controller.signal, deadline, dispose };
}
