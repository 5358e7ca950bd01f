// An executor for Reviewer tests at the seam: it answers `allowed` for `uid` only
// when released, so the test decides what comes first (not a test file itself).
import type { Executor } from '../../src/admission/reviewer.ts';
import { answered } from '../../src/model/outcome.ts';

export interface HeldExecutor {
  execute: Executor;
  /** Resolves when the work first starts. */
  started: Promise<void>;
  /** How many times the work started. */
  starts(): number;
  release(): void;
}

export function heldExecutor(uid: string): HeldExecutor {
  let release!: () => void;
  let markStarted!: () => void;
  let starts = 0;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  const execute: Executor = async () => {
    starts++;
    markStarted();
    await released;
    return answered('admission.k8s.io/v1', { uid, allowed: true }, { decision: 'allowed', code: 200, uid });
  };
  return { execute, started, starts: () => starts, release };
}
