// Shared by the replay tests: paths, the example webhooks, and a way to replay
// fixture text in-process without starting a process.
import { fileURLToPath } from 'node:url';
import { prepareTarget, type Target } from '../../src/replay/setup.ts';
import { loadFixtures, type Loaded } from '../../src/replay/fixtures.ts';
import { runCases } from '../../src/replay/run.ts';
import type { CaseResult } from '../../src/replay/types.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const EXAMPLES = fileURLToPath(new URL('../fixtures/replay/', import.meta.url));
export const EXAMPLE_CONFIG = fileURLToPath(new URL('../fixtures/replay/kadmit.yaml', import.meta.url));
export const EXAMPLE_WEBHOOK_MODULE = fileURLToPath(new URL('../fixtures/replay/webhooks/examples.ts', import.meta.url));
export const PROBE_MODULE = fileURLToPath(new URL('../fixtures/webhooks/probe.ts', import.meta.url));

/** Every webhook the examples use, by absolute module path (works from any cwd). */
export const ALL_SPECS = ['builtin:require-memory-limits', 'builtin:add-reviewed-label', PROBE_MODULE, EXAMPLE_WEBHOOK_MODULE];

export async function inProcessTarget(specs: string[] = ALL_SPECS, extra: Record<string, string> = {}): Promise<Target> {
  return prepareTarget({ webhook: specs, ...extra }, {});
}

export interface Replayed {
  loaded: Loaded;
  results: CaseResult[];
}

/** Loads fixture files from `dir` and replays them in-process. */
export async function replay(paths: string[], options: { specs?: string[]; cwd?: string; probeIdempotence?: boolean } = {}): Promise<Replayed> {
  const target = await inProcessTarget(options.specs);
  try {
    const loaded = loadFixtures(paths, { webhooks: target.webhooks, timeoutFor: target.timeoutFor, ...(options.cwd && { cwd: options.cwd }) });
    const results = loaded.problems.length === 0 ? await runCases(loaded.cases, target.sender, { probeIdempotence: options.probeIdempotence ?? false }) : [];
    return { loaded, results };
  } finally {
    await target.sender.close();
  }
}
