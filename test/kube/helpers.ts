// Shared by the test/kube tests (not a test file).
import type { KubeConfig } from '@kubernetes/client-node';
import { closeKubeConnections } from '../../src/kube/shared-dispatcher.ts';
import { startTestApiServer, type TestApiServer, type TestApiServerOptions } from '../apiserver/server.ts';

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

// A test API server and a KubeConfig for it, both closed when the test ends
// (client-node's connections too, so no socket outlives the file).
export async function testApiServer(t: { teardown(fn: () => Promise<void>): void }, options: TestApiServerOptions = {}): Promise<{ api: TestApiServer; kc: KubeConfig }> {
  const api = await startTestApiServer(options);
  const kc = api.kubeConfig();
  t.teardown(async () => {
    await closeKubeConnections(kc);
    await api.close();
  });
  return { api, kc };
}
