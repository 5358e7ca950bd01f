// Starts kadmit in-process on ephemeral ports with a temporary cert dir, and
// captures its log lines.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { serveConfigSchema, type ServeConfig } from '../../src/config/options.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startServer, type RunningServer } from '../../src/cli/serve.ts';

export interface TestServer extends RunningServer {
  ca: string;
  logs: Record<string, any>[];
  close(): Promise<void>;
}

export async function startTestServer(overrides: Partial<ServeConfig> = {}): Promise<TestServer> {
  const certDir = mkdtempSync(join(tmpdir(), 'kadmit-test-'));
  const config = serveConfigSchema.parse({
    webhookAddress: '127.0.0.1:0',
    opsAddress: '127.0.0.1:0',
    certDir,
    drainDelayMs: 0,
    logLevel: 'debug',
    ...overrides,
  }) as ServeConfig;
  const logs: Record<string, any>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') logs.push(JSON.parse(line));
      done();
    },
  });
  const server = await startServer(config, createLogger(config.logLevel, sink));
  return {
    ...server,
    ca: readFileSync(join(certDir, 'ca.crt'), 'utf8'),
    logs,
    async close() {
      await server.shutdown();
      rmSync(certDir, { recursive: true, force: true });
    },
  };
}

export function fixtureWebhook(name: string): string {
  return new URL(`../fixtures/webhooks/${name}.ts`, import.meta.url).pathname;
}
