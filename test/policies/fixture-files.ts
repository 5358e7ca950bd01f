// Reads the policy fixtures (test/fixtures/policies/<policy>/): the config the
// cases assume, and each review with its sidecar expectation.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { readConfigFile } from '../../src/config/file.ts';

export const FIXTURE_ROOT = fileURLToPath(new URL('../fixtures/policies/', import.meta.url));

export type Matcher = string | { matches: string };

export interface Expectation {
  allowed?: boolean;
  code?: number;
  reason?: Matcher;
  message?: Matcher;
  warnings?: Matcher[];
  auditAnnotations?: Record<string, Matcher>;
  patch?: unknown[] | null;
  idempotent?: true;
}

export interface FixtureCase {
  policy: string;
  file: string;
  webhook: string;
  review: Record<string, any>;
  expect: Expectation;
}

type PolicyConfig = { webhooks: string[]; crds?: string[]; settings?: Record<string, unknown> };

export interface PolicyDir {
  policy: string;
  config: PolicyConfig;
  cases: FixtureCase[];
}

export function readPolicyDirs(): PolicyDir[] {
  return readdirSync(FIXTURE_ROOT, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .map((policy) => {
      const dir = join(FIXTURE_ROOT, policy);
      // As kadmit reads it: paths relative to the file.
      const config = readConfigFile(join(dir, 'kadmit.yaml')).settings as PolicyConfig;
      const cases = readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((file) => {
          const sidecar = parse(readFileSync(join(dir, file.replace(/\.json$/, '.expect.yaml')), 'utf8'));
          return { policy, file, webhook: sidecar.webhook, review: JSON.parse(readFileSync(join(dir, file), 'utf8')), expect: sidecar.expect };
        });
      return { policy, config, cases };
    });
}

export function matchText(actual: unknown, m: Matcher): boolean {
  if (typeof actual !== 'string') return false;
  return typeof m === 'string' ? actual === m : new RegExp(m.matches, 'u').test(actual);
}
